"""Git hosts (GitHub, GitLab, a dry run) and what the CI system says about the job (ci.py).

Empty on purpose: `ci` is read by every command and must not import the host clients.
"""
