"""GET /images/<key>: the image store's originals, and signed resized copies, for CDNs to keep."""

from __future__ import annotations

import asyncio
import hmac

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from app.platform.images import (
    CACHE_CONTROL,
    ImageError,
    ImageStore,
    Transform,
    check_key,
    image_dir,
    sign,
)

RENDERS_AT_ONCE = 2


async def serve_image(request: Request) -> Response:
    settings = request.app.state.runtime.settings
    store = ImageStore(image_dir(settings))
    try:
        key = check_key(request.path_params["key"])
        query = dict(request.query_params)
        given = query.pop("s", None)
        if not query and given is None:
            path, media_type = store.original(key)
        else:
            transform = Transform.from_params(query)
            # only URLs the API handed out: a caller cannot make us render every size
            want = sign(settings.secret_key, key, transform.params())
            if given is None or not hmac.compare_digest(given, want) or query != transform.params():
                raise ImageError(
                    "IMAGE_SIGNATURE_INVALID", "the image URL's signature is wrong", 403
                )
            # decoding and resizing take CPU for milliseconds: never on the event loop, and
            # a few at a time, so a burst of new sizes cannot take every core
            async with _renders(request):
                path, media_type = await asyncio.to_thread(store.render, key, transform)
    except ImageError as exc:
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]},
            status_code=exc.status,
            headers={"Cache-Control": "no-store"},
        )
    # a key's content never changes and a transformed URL names its result exactly
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": CACHE_CONTROL})


def _renders(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "image_renders", None) is None:
        state.image_renders = asyncio.Semaphore(RENDERS_AT_ONCE)
    return state.image_renders  # type: ignore[no-any-return]


route = Route("/images/{key:path}", serve_image, methods=["GET", "HEAD"])
