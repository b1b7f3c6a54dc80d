"""Helpers the tests share: plain modules imported by test modules and conftest files, never a test module itself.

``settings`` (test settings, skip-or-require), ``factories`` (users, projects, generations through the API), ``jobs``
(an in-process service, the ledger, a scripted provider), ``processes`` (real service processes), ``uploads``
(multipart bodies, snapshots), ``corpus`` and ``colour`` (image files and ICC profiles built by hand), ``faces``
(drawn faces), ``references`` (reference photos and requests), ``offline_avatars`` (where the offline provider draws
what), ``huggingface`` (a local inference server; a pytest plugin for its ``server`` fixture), ``tiny_models`` (a tiny
Stable Diffusion pipeline), ``events`` (a live server, an SSE reader), ``catalog`` and ``web`` (the web app's helpers).
"""
