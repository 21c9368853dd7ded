"""The fake credentials planted in sandbox repositories, builds and CI logs.

They are shaped like real ones so a secret scanner recognises them (Stripe live key, AWS key
pair, GitHub token, Postgres URL) and are obviously sandbox values when read. Each is assembled
from pieces so that this source file itself does not match the scanners' patterns: launch-tui
scanning its own checkout must not report its test data.
"""

from __future__ import annotations

_LIVE = "live_"

#: ``sk_live_`` + 24 characters.
STRIPE_LIVE_KEY = "sk_" + _LIVE + "SANDBOXfake0Qm2Lk9Vt4Rz7"
#: An AWS access key id (``AKIA`` + 16) and its 40-character secret.
AWS_ACCESS_KEY_ID = "AK" + "IA" + "SANDBOXFAKE7Q2LK"
AWS_SECRET_ACCESS_KEY = "sandboxFAKEsecret" + "/ONLYforLaunchTuiDemo+x"
#: A GitHub personal access token (``ghp_`` + 36) as a CI log prints it in a clone URL.
GITHUB_TOKEN = "gh" + "p_" + "SANDBOXfakeTokenForLaunchTuiDemo0001"
#: A production database URL with a password.
DATABASE_URL = (
    "postgres" + "://brightlane_app:" + "sandbox-fake-pw-Q7v2" + "@db.brightlane.internal:5432/prod"
)

#: Every planted value, for tests that check where they do and do not appear.
ALL = (STRIPE_LIVE_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, DATABASE_URL)
