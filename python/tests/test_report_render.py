"""`ramp study`'s report rendered the way a person sees it: headless Chromium (Debian's `chromium`)
loads study/report.html offline, its DOM holds every chart the file has, and a screenshot shows
them (ink on the page, in the chart palette's colours). Skipped where chromium or build/ramp is
missing; CI installs both (scripts/deps.sh test)."""
import pathlib
import re
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

import ramp

RAMP = pathlib.Path(ramp.__file__).resolve().parents[2] / "ramp"
CHROMIUM = shutil.which("chromium")
pytestmark = [pytest.mark.skipif(not RAMP.exists(), reason="build/ramp (the study command) is not built"),
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def chromium(*args, timeout=180):
    # As root Chromium needs --no-sandbox; no GPU, no network use beyond the file itself.
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", *args]
    return subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def read_png(path):
    """The RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * bpp)
    out = np.zeros((h, w * bpp), np.int32)
    prev = np.zeros(w * bpp, np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # Sub (1), Average (3), Paeth (4) depend on the pixel to the left: one pixel at a time
            cur = np.zeros_like(line)
            for x in range(0, w * bpp, bpp):
                left = cur[x - bpp:x] if x else np.zeros(bpp, np.int32)
                upleft = prev[x - bpp:x] if x else np.zeros(bpp, np.int32)
                up = prev[x:x + bpp]
                pred = left if f == 1 else (left + up) // 2 if f == 3 else paeth(left, up, upleft)
                cur[x:x + bpp] = (line[x:x + bpp] + pred) & 255
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)[:, :, :3]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    subprocess.run([str(RAMP), "study", "activations", "--out", str(out)], check=True, timeout=600, capture_output=True)
    return out / "report.html"


def test_png_reader_matches_known_pixels(tmp_path):
    # The decoder's own oracle: a page of one known colour, screenshotted.
    page = tmp_path / "blue.html"
    page.write_text('<html><body style="margin:0;background:#0072b2"></body></html>')
    chromium("--window-size=64,48", f"--screenshot={tmp_path / 'blue.png'}", page.as_uri())
    px = read_png(tmp_path / "blue.png")
    assert px.shape == (48, 64, 3)
    assert (px == [0x00, 0x72, 0xB2]).all()


def test_report_dom_has_every_chart(report):
    html = report.read_text()
    figures = html.count("<svg")
    assert figures >= 6  # f and f' for each of three groups of activations
    dom = chromium("--dump-dom", report.as_uri()).stdout.decode()
    assert dom.count("<svg") == figures
    assert "parsererror" not in dom
    # Every legend name of the activations table made it into the rendered page.
    for name in ("ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh"):
        assert f">{name}<" in dom


def test_report_screenshot_shows_the_charts(report, tmp_path):
    shot = tmp_path / "report.png"
    chromium("--window-size=1000,2400", f"--screenshot={shot}", report.as_uri())
    px = read_png(shot)
    ink = (px.sum(axis=2) < 3 * 235).mean()
    assert 0.01 < ink < 0.6, ink  # charts drawn: neither a blank page nor a solid block
    # The chart palette's first colours (ramp::chart::colour) appear as drawn lines.
    html = report.read_text()
    palette = re.findall(r'stroke="#([0-9a-fA-F]{6})"', html)
    colours = {tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in palette}
    colours.discard((0, 0, 0))
    seen = [c for c in colours if (np.abs(px - np.array(c)).sum(axis=2) <= 6).sum() >= 50]
    assert len(seen) >= 3, (len(colours), seen)


def test_monitor_report_renders(tmp_path):
    # A Monitor's own report (loss, zero fractions, dead units, histograms, gradient norms) renders too.
    n = ramp.nn
    ramp.manual_seed(0)
    model = n.Sequential(n.Linear(8, 16), n.ReLU(), n.Linear(16, 12), n.Tanh(), n.Linear(12, 2))
    opt = ramp.optim.SGD(model.parameters(), lr=0.1)
    mon = ramp.diagnostics.Monitor(model, optimizer=opt)
    x, y = ramp.randn(32, 8), ramp.randint(0, 2, (32,))
    for step in range(30):
        loss = n.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        mon.step(loss)
        if step % 10 == 9:
            mon.end_epoch()
    page = tmp_path / "report.html"
    mon.save_report(page)
    figures = page.read_text().count("<svg")
    assert figures >= 4
    dom = chromium("--dump-dom", page.as_uri()).stdout.decode()
    assert dom.count("<svg") == figures and "parsererror" not in dom
    shot = tmp_path / "report.png"
    chromium("--window-size=1000,1600", f"--screenshot={shot}", page.as_uri())
    ink = (read_png(shot).sum(axis=2) < 3 * 235).mean()
    assert 0.01 < ink < 0.6, ink
