from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect


@login_required
def home(request):
    return redirect("areas:tree")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
