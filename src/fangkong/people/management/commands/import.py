"""`fangkong import FILE [--user USERNAME] [--json]`: the web page's import, from the command line."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.exports import write_xlsx
from fangkong.core.management.base import print_json, progress_bar
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch
from fangkong.people import importing


class Command(BaseCommand):
    help = "Import a households-and-persons spreadsheet (.xlsx or .csv) in the template's layout."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the .xlsx or .csv file")
        parser.add_argument("--user", help="import as this user (their area bounds what may be imported); "
                                           "without it, as the system operator over the whole tree")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")
        parser.add_argument("--resume", type=int, metavar="BATCH", help="finish a failed batch instead")
        parser.add_argument("--no-dedup", action="store_true", help="do not queue likely duplicates")
        parser.add_argument("--chunk-size", type=int, default=importing.CHUNK_SIZE)

    def handle(self, *args, **opts):
        if opts["resume"]:
            batch = ImportBatch.objects.filter(pk=opts["resume"]).first()
            if batch is None:
                raise CommandError(f"no import batch {opts['resume']}")
        else:
            if not opts["file"]:
                raise CommandError("give a FILE (or --resume BATCH)")
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            user = pipeline.command_line_actor()
            if opts["user"]:
                user = get_user_model().objects.filter(username=opts["user"]).first()
                if user is None:
                    raise CommandError(f"no user {opts['user']}")
            try:
                batch = pipeline.batch_create(user=user, source=path, filename=path.name, kind="people")
            except pipeline.ImportFileError as exc:
                raise CommandError(str(exc)) from exc
        total = None
        try:
            sheet = pipeline.open_rows(Path(batch.stored_path), pipeline.IMPORT_KINDS[batch.kind].columns)
            total = sheet.total
            sheet.close()
        except (pipeline.ImportFileError, OSError):
            pass  # run_batch records the reason on the batch
        with progress_bar(f"import {batch.filename}", total) as advance:
            batch = pipeline.run_batch(batch, dedup=not opts["no_dedup"], chunk_size=opts["chunk_size"],
                                        progress=advance)
        result = {
            "batch": batch.pk, "status": batch.status, "rows": batch.processed_rows, "created": batch.created,
            "updated": batch.updated, "unchanged": batch.unchanged, "rejected": batch.rejected,
            "duplicates": batch.duplicates, "rejects_file": None, "error": batch.error or None,
        }
        if batch.rejected:
            out = pipeline.imports_dir() / f"batch-{batch.pk}-rejects.xlsx"
            write_xlsx(out, pipeline.reject_headers(batch.kind), pipeline.reject_rows(batch), title="rejects")
            result["rejects_file"] = str(out)
        if opts["json"]:
            print_json(result)
        else:
            self.stdout.write(
                f"batch {batch.pk} {batch.status}: {batch.created} created, {batch.updated} updated, "
                f"{batch.unchanged} unchanged, {batch.rejected} rejected, {batch.duplicates} possible duplicates")
            if result["rejects_file"]:
                self.stdout.write(f"rejected rows: {result['rejects_file']}")
            if batch.error:
                self.stdout.write(batch.error)
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError(batch.error or "import failed")
