"""The case domain's shared vocabulary, below services and the workflow layer.

`errors` (the domain errors views translate into answers), `calendar` (working days for
statutory limits) and `events` (what happened to a case, recorded on the unit of work).
Modules here import only models, extensions and `app.uow`.
"""
