"""Actions of control orders: release, hospital transfer, check-ins, test results, escalations, the overdue
scan and the profile switch."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import CITY, SYSTEM, register

ORDER_RELEASE = register("control.order.release", _("Release a control order"))
ORDER_TRANSFER = register("control.order.transfer", _("Transfer a person under control to hospital"))
CHECKIN_RECORD = register("control.checkin.record", _("Record a check-in"))
CHECKIN_SELF_RECORD = register("control.checkin.self_record", _("Check in through a personal link"), reach=SYSTEM)
CHECKIN_LINK_MANAGE = register("control.checkin_link.manage", _("Issue or revoke a personal check-in link"))
TEST_RESULT_RECORD = register("control.test_result.record", _("Record a test result"))
ESCALATION_RESOLVE = register("control.escalation.resolve", _("Resolve an escalation"))
SCAN_RUN = register("control.scan.run", _("Run the overdue scan"), reach=SYSTEM)
PROFILE_SWITCH = register("control.profile.switch", _("Switch the policy profile in force"), reach=CITY)
HOSPITAL_ADMIT = register("control.hospital.admit", _("Take over a person transferred to hospital"))
HOSPITAL_DISCHARGE = register("control.hospital.discharge", _("Discharge a person from hospital"))
