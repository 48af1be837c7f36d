"""Check a MicroPython image before it is flashed: its sha256 against the one recorded for the board.

    python tools/firmware_image.py BOARD IMAGE        (tools/deploy.py --firmware runs it first)

Prints ``IMAGE sha256 <hex>``. The board file's ``firmware`` entry names the
release's download (``image``) and, once recorded, its ``sha256``:
- recorded and equal: exit 0;
- recorded and different: exit 1, nothing is flashed (a wrong or corrupt download);
- not recorded yet (None): exit 0 with a note. The first download: compare the
  printed sha256 with the download page's, then write it into
  boards/<BOARD>.py ``firmware.sha256``; from then on only that file flashes.
Exit 2 when the image cannot be read.
"""
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def board_firmware(board):
    """The ``firmware`` dict of boards/<board>.py (image name, sha256 or None)."""
    ns = {}
    exec((ROOT / "boards" / (board + ".py")).read_text(), ns)
    return ns["BOARD"]["firmware"]


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    board, image = argv
    fw = board_firmware(board)
    try:
        digest = sha256_of(image)
    except OSError as e:
        print("firmware_image: cannot read %s: %s" % (image, e), file=sys.stderr)
        return 2
    print("%s sha256 %s" % (image, digest))
    want = fw.get("sha256")
    if want is None:
        print("firmware_image: no sha256 recorded for %s yet (expected download: %s): compare the line above with "
              "the download page, then record it as firmware.sha256 in boards/%s.py" % (board, fw["image"], board))
        return 0
    if digest != want.lower():
        print("firmware_image: %s is not the recorded %s image (sha256 %s): not flashing" % (image, board, want),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
