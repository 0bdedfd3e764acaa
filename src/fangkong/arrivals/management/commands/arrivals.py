"""`fangkong arrivals import FILE --kind xiecha|sheet --area CODE [--json]`: a 协查 list or a sheet of arrivals.

With --json it prints {"created", "matched", "unchanged", "rejected", "errors_file"}; errors_file is the
path of the rejected rows (.xlsx, in the import's layout plus row, column and reason), or null.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.areas.models import Area
from fangkong.arrivals import importing as arrival_import
from fangkong.core.exports import write_xlsx
from fangkong.core.management.base import print_json, progress_bar
from fangkong.imports import pipeline
from fangkong.imports.models import ImportBatch


class Command(BaseCommand):
    help = "Arrivals: `import FILE --kind xiecha|sheet --area CODE` imports a 协查 list or a sheet of arrivals."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a list pushed by another region (xiecha) or a sheet of arrivals")
        imp.add_argument("file", nargs="?", help="the .xlsx or .csv file")
        imp.add_argument("--kind", choices=sorted(arrival_import.KINDS), help="xiecha: a 协查 list; sheet: a spreadsheet")
        imp.add_argument("--area", help="the importing area's code: rows for destinations outside it are rejected")
        imp.add_argument("--json", action="store_true", help="print the counts as JSON")
        imp.add_argument("--feedback", metavar="PATH", help="also write the 协查 feedback (.xlsx or .csv), masked")
        imp.add_argument("--resume", type=int, metavar="BATCH", help="finish a failed batch instead")
        imp.add_argument("--chunk-size", type=int, default=None)

    def handle(self, *args, action, **opts):
        batch = self._resumed(opts["resume"]) if opts["resume"] else self._new_batch(opts)
        total = None
        try:
            sheet = pipeline.open_rows(Path(batch.stored_path), pipeline.IMPORT_KINDS[batch.kind].columns)
            total = sheet.total
            sheet.close()
        except (pipeline.ImportFileError, OSError):
            pass  # run_batch records the reason on the batch
        with progress_bar(f"arrivals {batch.filename}", total, enabled=True) as advance:
            batch = pipeline.run_batch(batch, chunk_size=opts["chunk_size"], progress=advance)
        result = {**arrival_import.counts(batch), "errors_file": None}
        if batch.rejected:
            out = pipeline.imports_dir() / f"batch-{batch.pk}-errors.xlsx"
            write_xlsx(out, arrival_import.reject_headers(), pipeline.reject_rows(batch), title="errors")
            result["errors_file"] = str(out)
        if opts["feedback"] and batch.status == ImportBatch.Status.DONE:
            self._write_feedback(batch, Path(opts["feedback"]))
        if opts["json"]:
            print_json(result)
        else:
            self.stdout.write(
                f"batch {batch.pk} {batch.status}: {result['created']} created, {result['matched']} matched, "
                f"{result['unchanged']} unchanged, {result['rejected']} rejected")
            if result["errors_file"]:
                self.stdout.write(f"rejected rows: {result['errors_file']}")
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError(batch.error or "import failed")

    def _resumed(self, pk: int) -> ImportBatch:
        batch = ImportBatch.objects.filter(pk=pk, kind__in=arrival_import.ARRIVAL_KINDS).first()
        if batch is None:
            raise CommandError(f"no arrivals import batch {pk}")
        return batch

    def _new_batch(self, opts) -> ImportBatch:
        if not opts["file"] or not opts["kind"] or not opts["area"]:
            raise CommandError("give FILE, --kind xiecha|sheet and --area CODE (or --resume BATCH)")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        area = Area.objects.filter(code=opts["area"]).first()
        if area is None:
            raise CommandError(f"no area {opts['area']}")
        # The operator acts for the area: its subtree bounds the rows, as a user's area does on the web.
        user = pipeline.command_line_actor(area.code)
        try:
            return pipeline.batch_create(user=user, source=path, filename=path.name,
                                          kind=arrival_import.KINDS[opts["kind"]])
        except pipeline.ImportFileError as exc:
            raise CommandError(str(exc)) from exc

    def _write_feedback(self, batch: ImportBatch, path: Path) -> None:
        from fangkong.core.exports import csv_lines

        rows = arrival_import.feedback_rows(batch, unmasked=False)
        if path.suffix.lower() == ".csv":
            with open(path, "w", encoding="utf-8", newline="") as fh:
                for line in csv_lines(arrival_import.FEEDBACK_HEADERS, rows):
                    fh.write(line)
        else:
            write_xlsx(path, arrival_import.FEEDBACK_HEADERS, rows, title="协查反馈")
