"""Daily digest at scale: 10,000 confirmed subscribers (20% with topics) over the 75k corpus.

    .venv/bin/python benchmarks/digest.py [--subscribers 10000] [--topic-share 0.2]
        [--database-url URL] [--date YYYY-MM-DD]

Loads ../shared/data/arxiv-cs-75k.snapshot.jsonl.gz once into a database of its own (kept
between runs; `dailypapers import snapshot` when the command exists, else a plain loader
here), gives papers some upvotes and stars, adds the subscribers, starts an aiosmtpd sink
in a separate process, and then, in a fresh process measured on its own, composes the
daily digest and delivers it. Prints messages per second, total time and peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.digest.smtp_sink

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402

from dailypapers.db import migrate  # noqa: E402
from dailypapers.db.engine import make_engine, unit_of_work  # noqa: E402
from dailypapers.digest.models import Subscription  # noqa: E402
from dailypapers.mail.models import OutboxMessage  # noqa: E402
from dailypapers.papers.models import Author, DailyEntry, Paper, PaperAuthor  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"
VECTORS = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.minilm-l6-v2.f16.npy"
DEFAULT_DB = Path("/tmp/dailypapers-bench-digest/bench.db")
QUERIES = [
    "diffusion models", "large language models", "reinforcement learning from human feedback",
    "retrieval augmented generation", "vision transformer", "3D reconstruction",
    "gaussian splatting", "speech recognition", "medical image segmentation",
    "autonomous driving", "graph neural networks", "federated learning", "code generation",
    "multimodal reasoning", "video generation", "object detection", "machine translation",
    "chain of thought", "instruction tuning", "knowledge distillation", "quantization",
    "mixture of experts", "text to image", "hallucination", "question answering",
    "point cloud", "pose estimation", "embodied agents", "robot manipulation",
    "contrastive learning", "benchmark evaluation", "low resource languages",
    "sentiment analysis", "named entity recognition", "image captioning", "depth estimation",
    "anomaly detection", "continual learning", "adversarial robustness", "privacy",
]  # fmt: skip
CATEGORIES = ["cs.CV", "cs.CL", "cs.AI", "cs.LG", "cs.RO", "eess.IV", "cs.IR", "cs.HC"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- loading the corpus ------------------------------------------------------------------


def has_snapshot_importer() -> bool:
    from dailypapers.cli.imports import app

    return any(c.name == "snapshot" for c in app.registered_commands)


def load_corpus(engine: Engine, database_url: str) -> None:
    if has_snapshot_importer():
        log("loading the corpus with `dailypapers import snapshot`")
        env = {**os.environ, "DAILYPAPERS_DATABASE_URL": database_url}
        command = [str(Path(sys.executable).with_name("dailypapers")), "import", "snapshot"]
        done = subprocess.run([*command, "--daily", str(CORPUS)], env=env, check=False)
        if done.returncode not in (0, 1):  # 1: some records were rejected, the rest loaded
            raise SystemExit(f"the snapshot import failed (exit {done.returncode})")
    else:
        log("loading the corpus with the benchmark's own loader")
        plain_load(engine)
    add_votes(engine)
    add_embeddings(engine)


def add_embeddings(engine: Engine) -> None:
    """The precomputed all-MiniLM-L6-v2 vectors of the corpus (file order), so topic
    queries are matched by meaning too, as after `dailypapers index embed`."""
    import numpy as np

    from dailypapers.search.embedder import MODEL_NAME
    from dailypapers.search.models import Embedding

    vectors = np.load(VECTORS).astype(np.float32)
    with gzip.open(CORPUS, "rt") as lines:
        keys = [json.loads(line)["id"] for line in lines]
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Paper.arxiv_id, Paper.id)).all())
    now = datetime.now(UTC)
    rows = [
        {"paper_id": ids[key], "model": MODEL_NAME, "text_hash": "benchmark", "dim": 384,
         "vector": vector, "created_at": now}
        for key, vector in zip(keys, vectors, strict=True)
        if key in ids
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(Embedding.__table__.delete())
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Embedding), rows[start : start + 5000])
    log(f"{len(rows)} embeddings stored")


def plain_load(engine: Engine) -> None:
    papers, entries, links = [], [], []
    authors: dict[str, int] = {}
    with gzip.open(CORPUS, "rt") as lines:
        for n, line in enumerate(lines, start=1):
            record = json.loads(line)
            listed = parsedate_to_datetime(record["versions"][0]["created"])
            categories = record["categories"].split()
            papers.append({
                "id": n, "key": record["id"], "arxiv_id": record["id"],
                "title": " ".join(record["title"].split()),
                "abstract": " ".join(record["abstract"].split()),
                "categories": categories, "primary_category": categories[0],
                "published_at": listed, "base_upvotes": 0, "hidden": False, "featured": False,
                "created_at": datetime.now(UTC), "modified_at": datetime.now(UTC),
            })  # fmt: skip
            entries.append({"paper_id": n, "day": listed.date(), "source": "import",
                            "submitted_at": listed})  # fmt: skip
            for position, parts in enumerate(record["authors_parsed"]):
                name = " ".join(p for p in (parts[1], parts[0]) if p).strip()
                author_id = authors.setdefault(name, len(authors) + 1)
                links.append({"paper_id": n, "position": position, "author_id": author_id})
    with engine.begin() as conn:
        for table, rows in (
            (Paper, papers),
            (Author, [{"id": i, "name": name} for name, i in authors.items()]),
            (PaperAuthor, links),
            (DailyEntry, entries),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("papers", "authors"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )


def add_votes(engine: Engine) -> None:
    """A Hugging Face-like spread: most papers 0-2 votes, a few dozens; some with stars."""
    rng = random.Random(7)
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Paper.id)))
    rows = [
        {
            "i": i,
            "v": int(rng.paretovariate(1.3)) - 1,
            "s": rng.choice([None] * 9 + [rng.randint(0, 3000)]),
        }
        for i in ids
    ]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE papers SET base_upvotes = :v, github_stars = :s WHERE id = :i"), rows
        )


# -- subscribers -------------------------------------------------------------------------


def add_subscribers(engine: Engine, count: int, topic_share: float, day: date) -> None:
    with unit_of_work(engine) as session:
        session.execute(Subscription.__table__.delete())
        recent_authors = list(
            session.scalars(
                select(Author.name)
                .join(PaperAuthor, PaperAuthor.author_id == Author.id)
                .join(DailyEntry, DailyEntry.paper_id == PaperAuthor.paper_id)
                .where(DailyEntry.day >= day - timedelta(days=5), DailyEntry.day < day)
                .limit(500)
            )
        )
    rng = random.Random(11)
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        topics: dict[str, list[str]] = {}
        if rng.random() < topic_share:
            for _ in range(rng.randint(1, 3)):
                kind = rng.choices(["queries", "categories", "authors"], weights=[6, 3, 1])[0]
                pool = {"queries": QUERIES, "categories": CATEGORIES, "authors": recent_authors}[
                    kind
                ]
                if pool:
                    topics.setdefault(kind, []).append(rng.choice(pool))
        rows.append({
            "email": f"reader{n:05d}@bench.example.org", "frequency": "daily", "topics": topics,
            "personal": False, "status": "active", "permanent_failures": 0,
            "created_at": now, "confirmed_at": now,
        })  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Subscription), rows)


# -- the SMTP sink, in its own process ---------------------------------------------------

SINK = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.digest.smtp_sink import CountingHandler, SmtpSink
handler = CountingHandler(keep_messages=False)
with SmtpSink(handler) as sink:
    print(sink.port, flush=True)
    for line in sys.stdin:
        most = max(handler.counts.values(), default=0)
        print(handler.total, len(handler.counts), most, flush=True)
"""


class SinkProcess:
    def __enter__(self) -> SinkProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(ROOT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        return self

    def counts(self) -> tuple[int, int, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        total, recipients, most = self.process.stdout.readline().split()
        return int(total), int(recipients), int(most)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- the measured run --------------------------------------------------------------------


def measured(database_url: str, smtp_port: int, day: date) -> dict[str, Any]:
    """Runs in a fresh process: compose, then deliver; its peak RSS is the digest's."""
    from dailypapers.digest.compose import compose_period
    from dailypapers.digest.schedule import period_for
    from dailypapers.mail.delivery import deliver_outbox
    from dailypapers.settings import Settings

    settings = Settings(
        env="test", database_url=database_url, secret_key="benchmark-secret-key-0123456789",  # noqa: S106
        smtp_url=f"smtp://127.0.0.1:{smtp_port}", base_url="https://papers.example.org",
        data_dir=DEFAULT_DB.parent,  # the ONNX model is built there once, then reused
    )  # fmt: skip
    engine = make_engine(database_url)
    started = time.perf_counter()
    report = compose_period(engine, settings, period=period_for(settings, "daily", day))
    composed = time.perf_counter()
    delivery = deliver_outbox(engine, settings)
    done = time.perf_counter()
    engine.dispose()
    return {
        "compose": report.as_dict(),
        "delivery": delivery.as_dict(),
        "compose_seconds": composed - started,
        "deliver_seconds": done - composed,
        "total_seconds": done - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_seconds": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    }


def busiest_send_day(engine: Engine) -> date:
    """The weekday after the listing day with the most papers: a heavy but real digest."""
    with engine.connect() as conn:
        day = conn.execute(
            select(DailyEntry.day).group_by(DailyEntry.day).order_by(func.count().desc()).limit(1)
        ).scalar_one()
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--topic-share", type=float, default=0.2)
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="sending day")
    parser.add_argument(
        "--add-embeddings", action="store_true", help="(re)store the corpus embeddings"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measured(args.database_url, args.smtp_port, args.date)))
        return

    engine = make_engine(args.database_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        papers = conn.scalar(select(func.count()).select_from(Paper)) or 0
    if papers == 0:
        started = time.perf_counter()
        load_corpus(engine, args.database_url)
        log(f"corpus loaded in {time.perf_counter() - started:.0f} s")
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif args.add_embeddings:
        add_embeddings(engine)
    day = args.date or busiest_send_day(engine)
    add_subscribers(engine, args.subscribers, args.topic_share, day)
    with engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.delete())
        papers = conn.scalar(select(func.count()).select_from(Paper))
    topic_subscribers = sum(1 for t in engine.connect().scalars(select(Subscription.topics)) if t)
    engine.dispose()
    log(f"{papers} papers; {args.subscribers} subscribers, {topic_subscribers} with topics; "
        f"daily digest of {day}")  # fmt: skip
    with SinkProcess() as sink:
        load_before = os.getloadavg()
        command = [sys.executable, __file__, "--measure", "--database-url", args.database_url,
                   "--smtp-port", str(sink.port), "--date", day.isoformat()]  # fmt: skip
        result = json.loads(
            subprocess.run(command, check=True, capture_output=True, text=True).stdout
        )
        load_after = os.getloadavg()
        received, recipients, most = sink.counts()
    sent = result["delivery"]["sent"]
    c = result["compose"]
    print()
    print(f"period                 {c['period']}  ({c['papers']} papers listed)")
    print(f"subscribers            {c['subscribers']} ({topic_subscribers} with topics)")
    print(f"composed               {c['composed']} ({c['empty']} empty digests skipped)")
    print(f"compose time           {result['compose_seconds']:.1f} s "
          f"({c['composed'] / result['compose_seconds']:.0f} msgs/s)")  # fmt: skip
    print(f"delivery time          {result['deliver_seconds']:.1f} s "
          f"({sent / result['deliver_seconds']:.0f} msgs/s)")  # fmt: skip
    print(f"total time             {result['total_seconds']:.1f} s")
    print(f"messages per second    {sent / result['total_seconds']:.1f}  (compose + delivery)")
    print(
        f"sender CPU time        {result['cpu_seconds']:.1f} s "
        f"({sent / result['cpu_seconds']:.0f} msgs per CPU-second; the sink runs apart)"
    )
    print(f"peak memory (RSS)      {result['peak_rss_mb']:.0f} MB")
    print(f"sink received          {received} messages for {recipients} recipients, "
          f"at most {most} each")  # fmt: skip
    print(f"delivery report        {result['delivery']}")
    print(f"load average           {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"({os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    main()
