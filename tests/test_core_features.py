# runtimes: cpython micropython
"""features.py: tilt, gravity and activity EMAs, load and centre of pressure, clamping."""
from soleguard.core.config import Config
from soleguard.core.features import Features, tilt_degrees
from soleguard.core.frame import AX, new_frame

from synth import ZONE_X, ZONE_Y, fill, tilted


def _feat(zones=0, imu=True):
    return Features(Config(), zones, ZONE_X, ZONE_Y, imu)


def _feed(feat, n, ax=0, ay=0, az=1000, gx=0, gy=0, gz=0, load=0):
    f = new_frame()
    fill(f, ax, ay, az, gx, gy, gz, load, feat.zones)
    for _ in range(n):
        feat.update(f)


def test_tilt_known_angles():
    assert tilt_degrees(0, 0, 1000) == 0
    # horizontal reads 89: round(cos^2(89 deg) * 1024) is already 0 in the table
    assert tilt_degrees(1000, 0, 0) == 89
    assert tilt_degrees(0, 1000, 0) == 89
    assert tilt_degrees(0, -1000, 0) == 89
    assert tilt_degrees(0, 0, -1000) == 180
    assert tilt_degrees(707, 0, 707) == 45
    assert tilt_degrees(500, 0, 866) == 30
    assert tilt_degrees(866, 0, 500) == 60
    assert tilt_degrees(-707, 0, -707) == 135


def test_tilt_error_over_the_whole_range():
    # within 1 deg from 0.7 g up; |g|^2 >> 10 before the division costs
    # resolution on short vectors (3 deg at 0.5 g, 7 deg at 0.25 g)
    for g, tol in ((250, 7), (500, 3), (700, 1), (1000, 1), (4000, 1), (16000, 1)):
        prev = 0
        for deg in range(181):
            ax, az = tilted(deg, g)
            t = tilt_degrees(ax, 0, az)
            assert abs(t - deg) <= tol, (g, deg, t)
            if g >= 700:
                assert t >= prev, (g, deg, t, prev)  # monotonic
            prev = t


def test_tilt_direction_free():
    # the same angle whichever way the sole leans
    for ax, ay in ((600, 0), (-600, 0), (0, 600), (0, -600), (424, 424)):
        assert tilt_degrees(ax, ay, 800) == 37


def test_tilt_undefined_below_200_mg():
    assert tilt_degrees(0, 0, 0) == -1
    assert tilt_degrees(100, 100, 100) == -1
    assert tilt_degrees(0, 0, 210) == 0


def test_tilt_full_scale_corner_stays_small_int():
    # the largest clamped vector: squares sum to 7.68e8 < 2^30
    assert tilt_degrees(16000, 16000, 16000) == 55
    assert tilt_degrees(-16000, -16000, -16000) == 125


def test_gravity_starts_at_first_sample():
    feat = _feat()
    _feed(feat, 1, 123, -456, 789)
    assert (feat.grav_x, feat.grav_y, feat.grav_z) == (123, -456, 789)
    assert (feat.dyn_x, feat.dyn_y, feat.dyn_z) == (0, 0, 0)


def test_gravity_ema_step_response():
    feat = _feat()
    _feed(feat, 200)  # standing (and calibrated to it)
    _feed(feat, 32, 1000, 0, 0)  # one time constant (2^5 samples) lying
    # 1 - (31/32)^32 = 0.638 of the step
    assert 600 <= feat.grav_x <= 660, feat.grav_x
    assert 340 <= feat.grav_z <= 400, feat.grav_z
    assert feat.dyn_x == 1000 - feat.grav_x
    _feed(feat, 32 * 10, 1000, 0, 0)  # ten time constants
    assert feat.grav_x >= 990 and feat.grav_z <= 10
    assert feat.tilt >= 89


def test_tilt_updates_every_tilt_every_samples():
    feat = _feat()
    _feed(feat, 1, 1000, 0, 0)  # first sample sets gravity fully lying
    assert feat.tilt == 89  # computed on the first sample
    _feed(feat, 4, 0, 0, 1000)  # gravity moves, tilt is held for 4 samples
    assert feat.tilt == 89
    _feed(feat, 1, 0, 0, 1000)
    assert feat.tilt < 89


def test_tilt_held_in_free_fall():
    feat = _feat()
    _feed(feat, 200)  # learns the upright reference first
    _feed(feat, 300, 1000, 0, 0)
    assert feat.tilt == 89
    _feed(feat, 400, 0, 0, 0)  # gravity estimate decays below 200 mg
    assert abs(feat.grav_x) < 200
    assert feat.tilt >= 55  # held, not reset to upright


def test_activity_and_still():
    feat = _feat()
    _feed(feat, 200)
    assert feat.activity == 0 and feat.rotation == 0 and feat.still
    f = new_frame()
    for i in range(300):  # shaking: +-500 mg on x
        fill(f, 500 if i & 1 else -500)
        feat.update(f)
    assert feat.activity > Config().STILL_ACTIVITY_MG and not feat.still
    _feed(feat, 128 * 12)  # twelve activity time constants at rest
    assert feat.activity < Config().STILL_ACTIVITY_MG and feat.still


def test_rotation_ema_and_still():
    feat = _feat()
    _feed(feat, 50)
    _feed(feat, 128, gx=300, gy=-300, gz=100)
    # 1 - (127/128)^128 = 0.63 of |gx|+|gy|+|gz| = 700
    assert 420 <= feat.rotation <= 460, feat.rotation
    assert not feat.still
    _feed(feat, 128 * 8)
    assert feat.still


def test_load_and_centre_of_pressure():
    feat = _feat(zones=4)
    f = new_frame()
    fill(f, zones=4)
    f[6] = 100  # heel
    f[9] = 300  # midfoot
    feat.update(f)
    assert feat.load == 400
    assert (feat.cop_x, feat.cop_y) == (0, 0)  # update leaves the centre of pressure alone
    feat.cop(f)
    assert feat.cop_x == (100 * ZONE_X[0] + 300 * ZONE_X[3]) // 400
    assert feat.cop_y == (100 * ZONE_Y[0] + 300 * ZONE_Y[3]) // 400


def test_load_sums_the_zones_in_use_only():
    # loads are 0..5000 N by the frame contract (frame.py): Zones.fill clamps a reading below its
    # zero offset to 0 (test_fw_edges) and trace.py rejects a negative load, so the core sums
    # without a sign check; slots of zones not in use are never counted, whatever they hold
    for zones in (2, 7, 8):  # the loop and the unrolled 8-zone path
        feat = _feat(zones=zones)
        f = new_frame()
        fill(f)
        for i in range(8):
            f[6 + i] = 10 * (i + 1) + (999 if i >= zones else 0)
        feat.update(f)
        feat.cop(f)
        assert feat.load == sum(10 * (i + 1) for i in range(zones)), zones
    feat = _feat(zones=2)
    f = new_frame()
    fill(f)
    f[6] = 50
    f[8] = 999  # zone 2 is not in use
    feat.update(f)
    feat.cop(f)
    assert feat.load == 50
    assert feat.cop_x == ZONE_X[0] and feat.cop_y == ZONE_Y[0]


def test_centre_of_pressure_held_below_20_n():
    feat = _feat(zones=8)
    f = new_frame()
    fill(f, load=800, zones=8)
    f[6] = 700  # heel-heavy: the centre of pressure is off the zones' mean
    feat.update(f)
    feat.cop(f)
    x, y = feat.cop_x, feat.cop_y
    assert (x, y) != (0, 0)
    fill(f, load=16, zones=8)
    feat.update(f)
    feat.cop(f)
    assert feat.load == 16
    assert (feat.cop_x, feat.cop_y) == (x, y)


def test_load_change_and_pressure_only_still():
    feat = _feat(zones=4, imu=False)
    _feed(feat, 10, load=600)
    f = new_frame()
    for i in range(600):  # fast walking-like: 800 N on and off twice a second
        fill(f, load=800 if i % 50 < 30 else 0, zones=4)
        feat.update(f)
    assert feat.load_change > Config().STILL_LOAD_N and not feat.still
    _feed(feat, 128 * 8, load=0)
    assert feat.load_change < Config().STILL_LOAD_N and feat.still


def test_pressure_only_ignores_imu_channels():
    feat = _feat(zones=4, imu=False)
    _feed(feat, 10, 5000, 5000, 5000, 900, 900, 900, load=400)
    assert feat.amag2 == 0 and feat.tilt == -1 and feat.activity == 0
    assert feat.load == 400


def test_out_of_range_acc_is_clamped_to_full_scale():
    feat = _feat()
    f = new_frame()
    fill(f, 32767, -32768, 20000)
    feat.update(f)
    fs = Config().ACC_FULL_SCALE_MG
    assert (feat.grav_x, feat.grav_y, feat.grav_z) == (fs, -fs, fs)
    assert feat.amag2 == 3 * fs * fs
    assert feat.amag2 < (1 << 30)  # small int on a 32-bit MCU
    f[AX] = -32768
    for _ in range(2000):
        feat.update(f)
    assert feat.grav_x == -fs
    assert feat.activity < (1 << 30) and feat.amag2 < (1 << 30)


def test_reset_forgets_state():
    feat = _feat(zones=4)
    _feed(feat, 50, 1000, 0, 0, 100, 0, 0, load=300)
    feat.reset()
    assert feat.tilt == -1 and feat.load == 0 and feat.activity == 0
    _feed(feat, 1, 0, 0, 1000)
    assert feat.grav_z == 1000  # restarted at the first sample


def test_reference_is_the_sole_z_until_calibrated():
    feat = _feat()
    _feed(feat, 99)  # CAL_STILL_MS = 1 s = 100 samples: one short
    assert not feat.calibrated
    assert (feat.ref_x, feat.ref_y, feat.ref_z) == (0, 0, 1024)
    _feed(feat, 1)
    assert feat.calibrated


def test_calibration_learns_a_tilted_insole():
    # insole lying 25 deg pitched in the boot: standing reads 0 after learning
    ax, az = tilted(25)
    feat = _feat()
    _feed(feat, 150, ax, 0, az)
    assert feat.calibrated
    _feed(feat, 5, ax, 0, az)
    # cos^2 is flat near 0 (table 1024, 1024, 1023, 1021): one unit of
    # rounding in the reference reads as up to 3 deg
    assert feat.tilt <= 3
    # lying on the back is now 90 - 25 = 65 deg from this reference, not 90
    lx, lz = tilted(90)
    _feed(feat, 300, lx, 0, lz)
    assert 64 <= feat.tilt <= 66, feat.tilt


def test_calibration_needs_one_g_and_stillness():
    feat = _feat()
    _feed(feat, 300, 0, 0, 1200)  # 1.2 g: outside CAL_G_TOLERANCE_MG
    assert not feat.calibrated
    f = new_frame()
    for i in range(300):  # moving
        fill(f, 500 if i & 1 else -500)
        feat.update(f)
    assert not feat.calibrated


def test_recalibration_only_near_the_reference():
    feat = _feat()
    _feed(feat, 200)
    lx, lz = tilted(90)
    _feed(feat, 2000, lx, 0, lz)  # lying still for 20 s: not re-learned
    assert (feat.ref_x, feat.ref_y, feat.ref_z) == (0, 0, 1024)
    ax, az = tilted(10)
    _feed(feat, 400, ax, 0, az)  # standing 10 deg off: re-learned
    assert feat.ref_x > 150 and feat.tilt <= 3


def test_load_baseline_learned_standing_still_with_imu():
    feat = _feat(zones=4)
    assert feat.load_base == 0
    _feed(feat, 300, load=700)  # 3 s standing still: orientation and load learned
    assert feat.calibrated and 650 <= feat.load_base <= 700
    _feed(feat, 5, load=300)  # 43 % of 700: still standing-level
    assert feat.loaded
    _feed(feat, 5, load=200)  # 29 %: sitting-level for this wearer
    assert not feat.loaded


def test_load_baseline_learned_pressure_only():
    feat = _feat(zones=4, imu=False)
    _feed(feat, 300, load=500)
    assert 450 <= feat.load_base <= 500
    _feed(feat, 5, load=150)  # 30 % of 500
    assert not feat.loaded


def test_loaded_uses_the_absolute_minimum_before_learning():
    feat = _feat(zones=4, imu=False)
    _feed(feat, 3, load=Config().LOAD_ON_N)
    assert feat.loaded and feat.load_base == 0
