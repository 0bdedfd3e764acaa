"""Actions of mass testing: campaigns, sampling, transfer boxes, the lab's receipt and results."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import register

CAMPAIGN_MANAGE = register("testing.campaign.manage", _("Set up testing campaigns, rounds and sampling sites"))
SAMPLE_TAKE = register("testing.sample.take", _("Take samples at a sampling site"))
TUBE_PACK = register("testing.tube.pack", _("Pack tubes into a transfer box to a laboratory"))
TUBE_RECEIVE = register("testing.tube.receive", _("Receive a transfer box at the laboratory"))
RESULT_RECORD = register("testing.result.record", _("Record laboratory results of tubes"))
