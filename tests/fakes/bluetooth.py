"""Fake ``bluetooth`` module: only ``UUID`` (what aioble users construct)."""


class UUID:
    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, UUID) and self.value == other.value
