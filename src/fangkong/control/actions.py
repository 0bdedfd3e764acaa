"""Actions of control: risk areas, arrivals, orders, check-ins, results, escalations, health codes,
checkpoints and public pages."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import CITY, SYSTEM, register

ARRIVAL_REGISTER = register("control.arrival.register", _("Register an arrival"))
ARRIVAL_IMPORT_RUN = register("control.arrival_import.run", _("Import a 协查 list or a sheet of arrivals"))
DECLARATION_SUBMIT = register("control.declaration.submit", _("Submit a self-declaration"), reach=SYSTEM)
DECLARATION_CONFIRM = register("control.declaration.confirm", _("Confirm a self-declaration"))
ORDER_RELEASE = register("control.order.release", _("Release a control order"))
ORDER_TRANSFER = register("control.order.transfer", _("Transfer a person under control to hospital"))
CHECKIN_RECORD = register("control.checkin.record", _("Record a check-in"))
CHECKIN_SELF_RECORD = register("control.checkin.self_record", _("Check in through a personal link"), reach=SYSTEM)
CHECKIN_LINK_MANAGE = register("control.checkin_link.manage", _("Issue or revoke a personal check-in link"))
TEST_RESULT_RECORD = register("control.test_result.record", _("Record a test result"))
ESCALATION_RESOLVE = register("control.escalation.resolve", _("Resolve an escalation"))
SCAN_RUN = register("control.scan.run", _("Run the overdue scan"), reach=SYSTEM)
PROFILE_SWITCH = register("control.profile.switch", _("Switch the policy profile in force"), reach=CITY)
CHECKPOINT_MANAGE = register("control.checkpoint.manage", _("Set up checkpoints"))
PASSAGE_RECORD = register("control.passage.record", _("Record checkpoint passages"))
POSTER_ROTATE = register("control.poster.rotate", _("Replace a declaration poster"))
POSTER_PRINT = register("control.poster.print", _("Print a community's declaration poster"), writes=False)
HOSPITAL_ADMIT = register("control.hospital.admit", _("Take over a person transferred to hospital"))
HOSPITAL_DISCHARGE = register("control.hospital.discharge", _("Discharge a person from hospital"))
