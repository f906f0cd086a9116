"""The desk reads a resident's QR code with the PC's camera, on a browser without BarcodeDetector.

Chrome and Edge on Windows and Linux have no BarcodeDetector, and those are the desk PCs: there the page
loads jsQR and reads camera frames itself. Chromium's fake capture device plays a video of the resident's
QR code (a Y4M file made here from the code the resident's page shows) as the camera.
"""

import io
import re
from pathlib import Path

import segno
from PIL import Image
from playwright.sync_api import Browser, expect

from apps.counter import tokens
from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from tests.conftest import CHROMIUM_ARGS
from tests.counter.helpers import create

from .conftest import assert_accessible, log_in_with_totp, open_page

WIDTH, HEIGHT = 640, 480


def camera_video(payload: str, path: Path) -> Path:
    """A one-frame Y4M video (4:2:0) of the QR code held in front of the camera, on a grey desk."""
    png = io.BytesIO()
    segno.make(payload, error="m").save(png, kind="png", scale=7, border=4)
    frame = Image.new("RGB", (WIDTH, HEIGHT), (150, 150, 150))
    code = Image.open(png).convert("RGB")
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + planes)
    return path


def test_a_clerk_scans_the_code_with_the_desk_pc_camera(
    browser: Browser, chromium_path: str, live_server, transactional_db, tmp_path
):
    demo_accounts_load()
    created = create(User.objects.get(email="resident@example.jp"))
    video = camera_video(tokens.qr_payload(created.token), tmp_path / "camera.y4m")
    with_camera = browser.browser_type.launch(  # the same Playwright, a Chromium with a camera
        executable_path=chromium_path,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = with_camera.new_context(base_url=live_server.url, locale="ja-JP")
        context.grant_permissions(["camera"])
        with open_page(context) as desk:
            log_in_with_totp(desk, "staff@example.jp", next_path="/staff/counter/")
            desk.goto("/staff/counter/")
            assert desk.evaluate("'BarcodeDetector' in window") is False  # the jsQR path is what runs
            assert desk.evaluate("typeof window.jsQR") == "undefined"  # loaded only when needed
            desk.get_by_role("button", name="カメラで読み取る").click()
            expect(desk).to_have_url(re.compile(rf"/staff/counter/requests/{created.request.pk}/$"))
            expect(desk.locator("main")).to_contain_text("高松　太郎")
            assert_accessible(desk)
    finally:
        with_camera.close()


def test_without_a_camera_the_desk_says_so_and_the_scanner_field_still_works(desktop, transactional_db):
    demo_accounts_load()
    log_in_with_totp(desktop, "staff@example.jp", next_path="/staff/counter/")
    desktop.goto("/staff/counter/")
    camera = desktop.get_by_role("button", name="カメラで読み取る")
    camera.click()  # this browser has no camera at all
    expect(desktop.get_by_role("status")).to_have_text(
        "カメラを使えません。スキャナーで読み取るか、受付番号を入力してください。"
    )
    expect(camera).to_be_enabled()
    assert_accessible(desktop)
    expect(desktop.get_by_label("QRコードまたは受付番号")).to_be_editable()
