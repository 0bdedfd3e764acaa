"""A gathering's plan file, answered for download to the API and the pages alike."""

from django.http import FileResponse

from fangkong.gatherings.models import Gathering


def plan_file_response(gathering: Gathering) -> FileResponse:
    response = FileResponse(gathering.plan_file.open("rb"), as_attachment=True, filename=gathering.plan_file_name,
                            content_type=gathering.plan_file_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
