# A single electrical net between a host GPIO and a device pin.
#
# Any number of parties may drive it (push-pull: last driver wins is NOT
# modelled; instead drivers are combined as wired-AND, which is what two
# conflicting drivers plus an open-drain bus look like). With no driver the
# net floats to `pull` (set by the host pin's pull resistor) or `float_level`.
# Subscribers get fn(new_level, old_level) on every change, synchronously.


class Wire:
    def __init__(self, name="", float_level=0):
        self.name = name
        self.float_level = float_level
        self.pull = None  # 1 pull-up, 0 pull-down, None
        self._drivers = {}
        self._subs = []
        self._level = self._compute()

    def _compute(self):
        if self._drivers:
            lv = 1
            for k in self._drivers:
                lv &= self._drivers[k]
            return lv
        if self.pull is not None:
            return self.pull
        return self.float_level

    def level(self):
        return self._level

    def _update(self):
        new = self._compute()
        old = self._level
        if new != old:
            self._level = new
            for fn in list(self._subs):
                fn(new, old)

    def drive(self, owner, level):
        """owner: any hashable key; level 0/1, or None to release."""
        key = id(owner)
        if level is None:
            self._drivers.pop(key, None)
        else:
            self._drivers[key] = 1 if level else 0
        self._update()

    def set_pull(self, pull):
        self.pull = pull
        self._update()

    def subscribe(self, fn):
        if fn not in self._subs:
            self._subs.append(fn)

    def unsubscribe(self, fn):
        if fn in self._subs:
            self._subs.remove(fn)

    def __repr__(self):
        return "<Wire {} level={}>".format(self.name, self._level)
