"""The precision control index's parsers registered with the hostile-input harness: model files
(TOML, ``fugong control`` ``--model``) and indicator feeds (tidy CSV, ``fugong control load`` and the
feed upload), the latter through the service the command and the page call — validated, good rows
loaded in one transaction with their audit entry, every rejected row in the rejects file."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.harness import Context, Parser, register
from tests.hostile.parsers import ZHEJIANG_ADMIN, count, rows_in
from tests.hostile.service_parsers import toml_type_confusion


def _model_parser():
    from fugong.control.model import PRESETS_DIR, ModelError, load_model, preset_names

    seeds = [(PRESETS_DIR / f"{name}.toml").read_bytes() for name in preset_names()]
    register(Parser(
        name="control model file (TOML)", suffix=".toml", seeds=seeds,
        feed=lambda path, ctx: load_model(path), named_errors=(ModelError,),
        extra_inputs=lambda: [entry for seed in seeds for entry in toml_type_confusion(seed)],
        tokens=("weight = -1", "weight = nan", "max = 0", "lower = 1e308", "upper = -inf", 'kind = "ordinal"',
                'normalise = "sideways"', "[[indices]]", "[[indicators]]", 'flag = "yes"', 'region_codes = "x"'),
    ))


def _feed_snapshot(ctx: Context):
    from fugong.control.models import ControlObservation
    from fugong.store.audit import AuditEntry

    return count(ctx, ControlObservation, AuditEntry)


def _feed(path: Path, ctx: Context):
    from fugong.control.service import load_feed

    return load_feed(ctx.engine, path=path, principal=ZHEJIANG_ADMIN, rejects_dir=ctx.settings.rejects_dir)


def _feed_errors():
    from fugong.control.feeds import FeedError

    return (FeedError,)


_model_parser()
register(Parser(
    name="control indicator feed (CSV)", suffix=".csv",
    seeds=[b"region_code,date,indicator,value,flag\n330106,2020-02-20,new_cases_control,80,\n"
           b"330110,2020-02-20,transit_open,0.5,1\n330203,2020-02-21,C1,2,0\n"],
    feed=_feed, named_errors=_feed_errors(), snapshot=_feed_snapshot,
    rejects=lambda summary, ctx: (summary.rejected, rows_in(summary.rejects_path)),
    tokens=("330106", "110101", "2020-02-30", "1e308", "nan", "-0", "C1", "E1", "1", "0"),
))
