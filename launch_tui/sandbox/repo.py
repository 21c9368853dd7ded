"""The client's git repository: a small Next.js marketplace app with a realistic history.

Built with the real git CLI (``git fast-import``: one process writes every commit, so a world
starts fast) into a temp folder. Authors and dates are fixed, so commit ids are the same on
every run. With ``leaked_secret`` one commit hard-codes live keys in ``config/payments.js`` and
a later one moves them to environment variables: the keys are in history, not in HEAD. With
``migration_without_down`` one knex migration has no ``down``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from launch_tui.sandbox import fakes
from launch_tui.sandbox.world import BuildSpec, RepoSpec, SandboxStartError


@dataclass(frozen=True)
class Commit:
    """One commit of the template history."""

    author: tuple[str, str]
    """Name and email."""
    timestamp: int
    """Unix time, UTC."""
    message: str
    changes: tuple[tuple[str, str | None], ...]
    """(path, content); ``None`` content deletes the path."""


@dataclass(frozen=True)
class BuiltRepo:
    path: Path
    head: str
    """Commit id of HEAD."""
    secret_commit: str
    """Commit id that added the fake keys; empty when the world leaks none."""


def build_repo(
    spec: RepoSpec, build: BuildSpec | None, directory: Path, app: str, domain: str
) -> BuiltRepo:
    """Create the repository in ``directory`` (which must not exist yet)."""
    git = shutil.which("git")
    if git is None:
        raise SandboxStartError("git is not installed; the sandbox builds its repository with it")
    directory.mkdir(parents=True)
    history = marketplace_history(spec, build or BuildSpec(), app, domain)
    env = _git_env(directory)
    # Three processes in all (each git call costs ~10 ms): an empty template skips copying
    # sample hooks, and fast-import's marks give the commit ids without a `git log`.
    _git(git, directory, env, "init", "-q", "-b", "main", "--template=")
    marks = directory / ".git" / "sandbox-marks"
    stream = _fast_import_stream(history)
    # unpackLimit=1 keeps the pack: exploding a small import into loose objects costs ~100 ms.
    _git(
        git,
        directory,
        env,
        *("-c", "fastimport.unpackLimit=1", "fast-import", "--quiet"),
        f"--export-marks={marks}",
        stdin=stream,
    )
    _git(git, directory, env, "reset", "-q", "--hard")
    ids = dict(line.split(" ", 1) for line in marks.read_text().splitlines())
    marks.unlink()
    head = ids[f":{len(history)}"]
    secret = ""
    if spec.leaked_secret:
        index = next(i for i, c in enumerate(history, 1) if "config/payments.js" in dict(c.changes))
        secret = ids[f":{index}"]
    return BuiltRepo(path=directory, head=head, secret_commit=secret)


def _git_env(directory: Path) -> dict[str, str]:
    # Keep the user's git config (hooks, signing, templates) out of the sandbox.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(directory),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


def _git(git: str, cwd: Path, env: dict[str, str], *args: str, stdin: bytes = b"") -> bytes:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=True
        )
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace").strip()
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        raise SandboxStartError(
            f"git {command} failed while building the sandbox repo: {detail}"
        ) from None
    return done.stdout


def _fast_import_stream(history: list[Commit]) -> bytes:
    out = bytearray()
    for n, commit in enumerate(history, start=1):
        name, email = commit.author
        message = commit.message.encode()
        out += b"commit refs/heads/main\n"
        out += b"mark :%d\n" % n
        for role in (b"author", b"committer"):
            out += b"%s %s <%s> %d +0000\n" % (
                role,
                name.encode(),
                email.encode(),
                commit.timestamp,
            )
        out += b"data %d\n%s\n" % (len(message), message)
        for path, content in commit.changes:
            if content is None:
                out += b"D %s\n" % path.encode()
            else:
                data = content.encode()
                out += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)
        out += b"\n"
    return bytes(out)


# --- the template -----------------------------------------------------------------------------

_DAY = 86_400
_START = 1_736_154_720  # 2025-01-06 09:12 UTC


def marketplace_history(spec: RepoSpec, build: BuildSpec, app: str, domain: str) -> list[Commit]:
    """The commits of the marketplace template for this world."""
    founder = ("Priya Raman", f"priya@{domain}")
    freelancer = ("Jonas Weber", "jonas@freelance-dev.example")
    env_names = ["DATABASE_URL", "NEXTAUTH_SECRET", "NEXTAUTH_URL"]
    payment_names = [
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "S3_BUCKET",
        "POSTBIRD_API_KEY",
        "SENTRY_DSN",
    ]
    history = [
        Commit(
            founder,
            _START,
            "Initial commit: Next.js marketplace skeleton",
            (
                ("package.json", _package_json(app)),
                (".gitignore", "node_modules/\n.next/\n.env\n.env.local\n"),
                (".env.example", _env_example(env_names)),
                ("README.md", _readme(app, domain)),
                ("next.config.js", _next_config(build)),
                ("pages/_app.js", _APP_JS),
                ("pages/index.js", _INDEX_JS.replace("DOMAIN", domain)),
                ("pages/login.js", _LOGIN_JS),
            ),
        ),
        Commit(
            founder,
            _START + 2 * _DAY + 3600,
            "Add listings API, health check and database client",
            (
                ("knexfile.js", _KNEXFILE),
                ("lib/db.js", _DB_JS),
                ("migrations/20250108093000_create_listings.js", _MIGRATION_LISTINGS),
                ("pages/api/health.js", _HEALTH_JS),
                ("pages/api/listings.js", _LISTINGS_JS),
            ),
        ),
    ]
    payments_leaky = _payments_js(app, hard_coded=True)
    payments_clean = _payments_js(app, hard_coded=False)
    webhook = _webhook_js(verify=not spec.webhook_unverified)
    if spec.leaked_secret:
        history.append(
            Commit(
                freelancer,
                _START + 5 * _DAY + 7200,
                "Add Stripe checkout and receipts upload",
                (
                    ("config/payments.js", payments_leaky),
                    ("pages/api/checkout.js", _CHECKOUT_JS),
                    ("pages/api/webhooks/stripe.js", webhook),
                ),
            )
        )
    else:
        history.append(
            Commit(
                freelancer,
                _START + 5 * _DAY + 7200,
                "Add Stripe checkout and receipts upload",
                (
                    ("config/payments.js", payments_clean),
                    ("pages/api/checkout.js", _CHECKOUT_JS),
                    ("pages/api/webhooks/stripe.js", webhook),
                    (".env.example", _env_example(env_names + payment_names)),
                ),
            )
        )
    history.append(
        Commit(
            freelancer,
            _START + 9 * _DAY + 5400,
            "Add quotes table and quote requests endpoint",
            (
                (
                    "migrations/20250115141500_add_quotes.js",
                    _migration_quotes(with_down=not spec.migration_without_down),
                ),
                ("pages/api/quotes.js", _QUOTES_JS),
            ),
        )
    )
    if spec.leaked_secret:
        history.append(
            Commit(
                founder,
                _START + 12 * _DAY + 1800,
                "Move payment keys to environment variables",
                (
                    ("config/payments.js", payments_clean),
                    (".env.example", _env_example(env_names + payment_names)),
                ),
            )
        )
    history.append(
        Commit(
            freelancer,
            _START + 14 * _DAY + 600,
            "Admin dashboard for provider approvals",
            (
                ("pages/admin/index.js", _admin_js(protected=not spec.admin_unprotected)),
                ("render.yaml", _render_yaml(app, drift=spec.env_drift)),
            ),
        )
    )
    return history


def _render_yaml(app: str, drift: bool) -> str:
    """A Render blueprint for the admin panel: a production and a staging service."""
    names = ["DATABASE_URL", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "STRIPE_WEBHOOK_SECRET"]
    staging = [n for n in names if n != "STRIPE_WEBHOOK_SECRET"] + ["DEBUG"] if drift else names
    lines = [
        "# Render blueprint for the admin panel. Values are set in Render's dashboard.",
        "services:",
    ]
    for service, keys in ((f"{app}-admin", names), (f"{app}-admin-staging", staging)):
        lines += [
            "  - type: web",
            f"    name: {service}",
            "    env: node",
            "    buildCommand: npm ci && npm run build",
            "    startCommand: npm start",
            "    envVars:",
        ]
        for key in keys:
            lines.append(f"      - key: {key}")
            lines.append('        value: "true"' if key == "DEBUG" else "        sync: false")
    return "\n".join(lines) + "\n"


def _package_json(app: str) -> str:
    return f"""{{
  "name": "{app}-web",
  "version": "1.8.2",
  "private": true,
  "scripts": {{
    "dev": "next dev",
    "build": "next build",
    "start": "next start",
    "migrate": "knex migrate:latest",
    "rollback": "knex migrate:rollback"
  }},
  "dependencies": {{
    "@aws-sdk/client-s3": "3.577.0",
    "knex": "3.1.0",
    "next": "14.2.3",
    "next-auth": "4.24.7",
    "pg": "8.11.5",
    "react": "18.3.1",
    "react-dom": "18.3.1",
    "stripe": "15.5.0"
  }}
}}
"""


def _env_example(names: list[str]) -> str:
    lines = ["# Copy to .env.local and fill in. Never commit real values."]
    lines += [f"{name}=" for name in names]
    return "\n".join(lines) + "\n"


def _readme(app: str, domain: str) -> str:
    return f"""# {app}

B2B marketplace: facilities managers request quotes from vetted service providers.

    npm install
    cp .env.example .env.local
    npm run migrate
    npm run dev

Production: https://www.{domain}/ (app at https://app.{domain}/, API at https://api.{domain}/).
"""


def _next_config(build: BuildSpec) -> str:
    lines = [
        "/** @type {import('next').NextConfig} */",
        "module.exports = {",
        "  reactStrictMode: true,",
    ]
    if build.source_maps:
        lines.append("  productionBrowserSourceMaps: true,")
    if build.leaked_env:
        # How server values really end up in client bundles: Next inlines `env` at build time.
        lines.append("  env: { DATABASE_URL: process.env.DATABASE_URL },")
    lines.append("};")
    return "\n".join(lines) + "\n"


def _payments_js(app: str, hard_coded: bool) -> str:
    if hard_coded:
        return f"""// Stripe checkout and S3 receipts.
// TODO(jonas): move these to env vars before launch
const Stripe = require('stripe');
const {{ S3Client }} = require('@aws-sdk/client-s3');

const STRIPE_SECRET_KEY = '{fakes.STRIPE_LIVE_KEY}';
const stripe = new Stripe(STRIPE_SECRET_KEY, {{ apiVersion: '2024-04-10' }});

const s3 = new S3Client({{
  region: 'eu-west-1',
  credentials: {{
    accessKeyId: '{fakes.AWS_ACCESS_KEY_ID}',
    secretAccessKey: '{fakes.AWS_SECRET_ACCESS_KEY}',
  }},
}});

module.exports = {{ stripe, s3, receiptsBucket: '{app}-receipts' }};
"""
    return """// Stripe checkout and S3 receipts. Keys come from the environment (see .env.example).
const Stripe = require('stripe');
const { S3Client } = require('@aws-sdk/client-s3');

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY, { apiVersion: '2024-04-10' });

// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY via the default provider chain.
const s3 = new S3Client({ region: 'eu-west-1' });

module.exports = { stripe, s3, receiptsBucket: process.env.S3_BUCKET };
"""


def _webhook_js(verify: bool) -> str:
    if verify:
        return """import { stripe } from '../../../config/payments';

export const config = { api: { bodyParser: false } };

async function rawBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export default async function handler(req, res) {
  if (req.method !== 'POST') return res.status(405).end();
  let event;
  try {
    event = stripe.webhooks.constructEvent(
      await rawBody(req),
      req.headers['stripe-signature'],
      process.env.STRIPE_WEBHOOK_SECRET,
    );
  } catch (err) {
    return res.status(400).json({ error: 'invalid signature' });
  }
  console.log(JSON.stringify({ msg: 'stripe event', type: event.type, id: event.id }));
  return res.status(200).json({ received: true });
}
"""
    return """export default async function handler(req, res) {
  if (req.method !== 'POST') return res.status(405).end();
  // TODO: verify the Stripe-Signature header with STRIPE_WEBHOOK_SECRET
  const event = req.body;
  console.log('stripe event', event.type);
  return res.status(200).json({ received: true });
}
"""


def _migration_quotes(with_down: bool) -> str:
    text = """exports.up = async function (knex) {
  await knex.schema.createTable('quotes', (t) => {
    t.increments('id');
    t.integer('listing_id').notNullable().references('listings.id');
    t.string('requester_email').notNullable();
    t.text('details');
    t.decimal('amount', 10, 2);
    t.string('status').notNullable().defaultTo('requested');
    t.timestamps(true, true);
  });
  await knex.schema.alterTable('listings', (t) => {
    t.integer('quote_count').notNullable().defaultTo(0);
  });
};
"""
    if with_down:
        text += """
exports.down = async function (knex) {
  await knex.schema.alterTable('listings', (t) => {
    t.dropColumn('quote_count');
  });
  await knex.schema.dropTable('quotes');
};
"""
    return text


def _admin_js(protected: bool) -> str:
    guard = (
        """import { getServerSession } from 'next-auth';

export async function getServerSideProps(ctx) {
  const session = await getServerSession(ctx.req, ctx.res);
  if (!session || session.user.role !== 'admin') {
    return { redirect: { destination: '/login', permanent: false } };
  }
  return { props: {} };
}

"""
        if protected
        else "// TODO: add auth before launch (only linked from Slack for now)\n"
    )
    return (
        guard
        + """export default function Admin() {
  return (
    <main>
      <h1>Provider approvals</h1>
      <p>Pending providers appear here.</p>
    </main>
  );
}
"""
    )


_APP_JS = """import '../styles/globals.css';

export default function App({ Component, pageProps }) {
  return <Component {...pageProps} />;
}
"""

_INDEX_JS = """import Head from 'next/head';

export default function Home() {
  return (
    <>
      <Head>
        <title>Find vetted facility service providers</title>
      </Head>
      <main>
        <h1>Find vetted facility service providers</h1>
        <a href="https://app.DOMAIN/login">Request a quote</a>
      </main>
    </>
  );
}
"""

_LOGIN_JS = """import { signIn } from 'next-auth/react';

export default function Login() {
  return (
    <main>
      <h1>Sign in</h1>
      <button onClick={() => signIn('email')}>Email me a sign-in link</button>
    </main>
  );
}
"""

_KNEXFILE = """module.exports = {
  development: {
    client: 'pg',
    connection: process.env.DATABASE_URL,
    migrations: { directory: './migrations' },
  },
  production: {
    client: 'pg',
    connection: process.env.DATABASE_URL,
    pool: { min: 2, max: 10 },
    migrations: { directory: './migrations' },
  },
};
"""

_DB_JS = """const knex = require('knex');
const config = require('../knexfile');

module.exports = knex(config[process.env.NODE_ENV || 'development']);
"""

_MIGRATION_LISTINGS = """exports.up = async function (knex) {
  await knex.schema.createTable('providers', (t) => {
    t.increments('id');
    t.string('name').notNullable();
    t.string('email').notNullable().unique();
    t.boolean('approved').notNullable().defaultTo(false);
    t.timestamps(true, true);
  });
  await knex.schema.createTable('listings', (t) => {
    t.increments('id');
    t.integer('provider_id').notNullable().references('providers.id');
    t.string('title').notNullable();
    t.string('city').notNullable();
    t.text('description');
    t.timestamps(true, true);
  });
};

exports.down = async function (knex) {
  await knex.schema.dropTable('listings');
  await knex.schema.dropTable('providers');
};
"""

_HEALTH_JS = """const db = require('../../lib/db');

export default async function handler(req, res) {
  try {
    await db.raw('select 1');
    res.status(200).json({ status: 'ok', version: process.env.APP_VERSION || 'dev' });
  } catch (err) {
    res.status(503).json({ status: 'degraded' });
  }
}
"""

_LISTINGS_JS = """const db = require('../../lib/db');

export default async function handler(req, res) {
  const listings = await db('listings').select('id', 'title', 'city').limit(50);
  res.setHeader('Cache-Control', 'public, max-age=60');
  res.status(200).json({ listings });
}
"""

_QUOTES_JS = """const db = require('../../lib/db');

export default async function handler(req, res) {
  if (req.method !== 'POST') return res.status(405).end();
  const { listingId, email, details } = req.body;
  const [quote] = await db('quotes')
    .insert({ listing_id: listingId, requester_email: email, details })
    .returning('*');
  res.status(201).json({ quote });
}
"""

_CHECKOUT_JS = """const { stripe } = require('../../config/payments');

export default async function handler(req, res) {
  if (req.method !== 'POST') return res.status(405).end();
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: req.body.priceId, quantity: 1 }],
    success_url: `${process.env.NEXTAUTH_URL}/dashboard?paid=1`,
    cancel_url: `${process.env.NEXTAUTH_URL}/dashboard`,
  });
  res.status(200).json({ url: session.url });
}
"""
