"""Media owned by questionnaire files: recorded audio clips in questionnaires/audio/.

A clip is referenced per language from a question (`audio: {ar: course_useful.ar.opus}`) and
played by a plain <audio> element. Clips are immutable by convention (re-record under a new file
name), so they are cached for a year like the static files.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.errors import NotFound
from app.questionnaires.schema import AUDIO_FILE

router = APIRouter()
AUDIO_TYPES = {
    "opus": "audio/ogg", "ogg": "audio/ogg", "oga": "audio/ogg", "mp3": "audio/mpeg",
    "m4a": "audio/mp4", "wav": "audio/wav",
}
_NAME = re.compile(AUDIO_FILE)


@router.get("/audio/{name}", name="questionnaire_audio")
def audio(request: Request, name: str) -> Response:
    if not _NAME.match(name):
        raise NotFound()
    folder = request.app.state.settings.questionnaire_dir / "audio"
    path = folder / name
    if not path.is_file():
        raise NotFound()
    return FileResponse(
        path,
        media_type=AUDIO_TYPES[name.rsplit(".", 1)[1]],
        headers={"cache-control": "public, max-age=31536000, immutable"},
    )
