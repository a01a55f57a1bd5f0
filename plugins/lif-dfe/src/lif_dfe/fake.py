"""Fake statutory returns (no real children) for tests, the example and the benchmarks: seeded,
so the same call always writes the same files, and streamed, so a million rows need no memory.

    python -m lif_dfe.fake cin PATH --children 2000 --year 2019 --seed 1
    python -m lif_dfe.fake referrals PATH --rows 1000000 --children 250000 --seed 1
    python -m lif_dfe.fake ssda903 FOLDER --children 400 --year 2019 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

REFERRAL_SOURCES = (
    "1A",
    "1B",
    "1C",
    "1D",
    "2A",
    "2B",
    "3A",
    "3B",
    "3C",
    "3D",
    "3E",
    "3F",
    "4",
    "5A",
    "5B",
    "5C",
    "5D",
    "6",
    "7",
    "8",
    "9",
    "10",
)
NEEDS = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9")
FACTORS = ("1B", "2B", "3A", "3B", "4B", "5A", "10A", "11A", "13A", "16A", "17A", "21")
CATEGORIES = ("NEG", "PHY", "EMO", "SAB", "MUL")


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def child_id(n: int) -> str:
    return f"FAKE{n:07d}"


def cin_children(count: int, year: int, seed: int, *, clean: bool = True) -> Iterator[str]:
    """XML for ``count`` fake children of the census year ending 31 March ``year``: clean data,
    which the census adapter's data-quality checks find nothing in (no event after 31 March,
    none before the child's birth, no child protection plan starting before the same child's
    previous one ended). ``clean=False`` writes the returns this generator wrote before it was
    made clean, the same children with a few such faults (an assessment begun after 31 March, a
    plan starting before the last ended), for tests of the checks."""
    rng = random.Random(seed)
    first, last = dt.date(year - 3, 4, 1), dt.date(year, 3, 31)
    for n in range(1, count + 1):
        born = _day(rng, dt.date(year - 17, 4, 1), dt.date(year, 1, 1))
        parts = [
            "<Child><ChildIdentifiers>",
            f"<LAchildID>{child_id(n)}</LAchildID>",
            f"<UPN>A{rng.randrange(10**11, 10**12)}X</UPN>",
            f"<PersonBirthDate>{born.isoformat()}</PersonBirthDate>",
            f"<Sex>{rng.choice('MF')}</Sex>",
            "</ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>",
            "<Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>",
        ]
        referral = _day(rng, max(first, born), last)
        episodes = 1 + (rng.random() < 0.22) + (rng.random() < 0.05)
        previous_plans = 1 if rng.random() < 0.2 else 0
        plan_ends: dt.date | None = None  # the end of the child's last plan written (open: after the census)
        for _ in range(episodes):
            parts.append("<CINdetails>")
            parts.append(f"<CINreferralDate>{referral.isoformat()}</CINreferralDate>")
            parts.append(f"<ReferralSource>{rng.choice(REFERRAL_SOURCES)}</ReferralSource>")
            parts.append(f"<PrimaryNeedCode>{rng.choice(NEEDS)}</PrimaryNeedCode>")
            closed = referral + dt.timedelta(days=rng.randrange(20, 400))
            if closed <= last:
                parts.append(
                    f"<CINclosureDate>{closed.isoformat()}</CINclosureDate><ReasonForClosure>RC1</ReasonForClosure>"
                )
            if rng.random() < 0.8:
                start = referral + dt.timedelta(days=rng.randrange(0, 5))
                if clean:
                    start = min(start, last)  # begun by the census date
                # Most within 45 working days (about 63 calendar days), a tail well beyond.
                authorised = start + dt.timedelta(
                    days=rng.choice((rng.randrange(0, 60), rng.randrange(10, 60), rng.randrange(40, 120)))
                )
                factors = "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in rng.sample(FACTORS, 2))
                parts.append(
                    f"<Assessments><AssessmentActualStartDate>{start.isoformat()}</AssessmentActualStartDate>"
                    + (
                        f"<AssessmentAuthorisationDate>{authorised.isoformat()}</AssessmentAuthorisationDate>"
                        if authorised <= last
                        else ""
                    )
                    + f"<FactorsIdentifiedAtAssessment>{factors}</FactorsIdentifiedAtAssessment></Assessments>"
                )
            parts.append(f"<ReferralNFA>{rng.choice(('0', '1', 'false'))}</ReferralNFA>")
            plan_start: dt.date | None = None
            if rng.random() < 0.15 and referral + dt.timedelta(days=60) <= last:
                plan_start = referral + dt.timedelta(days=rng.randrange(10, 60))
                end = plan_start + dt.timedelta(days=rng.choice((rng.randrange(60, 400), rng.randrange(700, 900))))
                category = rng.choice(CATEGORIES)
            # Never two plans at once: a plan starts only once the child's last one has ended.
            if plan_start is not None and (not clean or plan_ends is None or plan_start > plan_ends):
                plan_ends = end if end <= last else dt.date.max
                parts.append(
                    f"<ChildProtectionPlans><CPPstartDate>{plan_start.isoformat()}</CPPstartDate>"
                    + (f"<CPPendDate>{end.isoformat()}</CPPendDate>" if end <= last else "")
                    + f"<InitialCategoryOfAbuse>{category}</InitialCategoryOfAbuse>"
                    + f"<LatestCategoryOfAbuse>{category}</LatestCategoryOfAbuse>"
                    + f"<NumberOfPreviousCPP>{previous_plans}</NumberOfPreviousCPP></ChildProtectionPlans>"
                )
                previous_plans += 1
            parts.append("</CINdetails>")
            referral = referral + dt.timedelta(days=rng.randrange(30, 500))
            if referral > last:
                break
        parts.append("</Child>")
        yield "".join(parts)


def write_cin(path: Path, children: int, year: int, seed: int = 1, *, clean: bool = True) -> None:
    """A fake CIN census return for the year ending 31 March ``year`` (``clean``: see
    :func:`cin_children`)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<Message><Header><CollectionDetails>')
        out.write(f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate>")
        out.write("</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>999</LEA>")
        out.write(f"<SoftwareCode>{escape('lif-dfe fake data')}</SoftwareCode></Source></Header><Children>\n")
        for xml in cin_children(children, year, seed, clean=clean):
            out.write(xml)
            out.write("\n")
        out.write("</Children></Message>\n")


def write_referrals(path: Path, rows: int, children: int, seed: int = 1, first: dt.date = dt.date(2015, 4, 1)) -> None:
    """A case-level referral extract: ``child_id,referral_date,referral_source`` with dates
    dd/mm/yyyy in date order, drawn from a fixed pool of children (as a council's are)."""
    rng = random.Random(seed)
    span = 365 * 5
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("child_id,referral_date,referral_source\n")
        for i in range(rows):
            day = first + dt.timedelta(days=i * span // rows)
            out.write(
                f"{child_id(rng.randrange(children))},{day:%d/%m/%Y},{REFERRAL_SOURCES[rng.randrange(len(REFERRAL_SOURCES))]}\n"
            )


def write_ssda903(folder: Path, children: int, year: int, seed: int = 1) -> None:
    """Fake SSDA903 header and episodes tables (children looked after)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with (
        (folder / "header.csv").open("w", encoding="utf-8", newline="") as header,
        (folder / "episodes.csv").open("w", encoding="utf-8", newline="") as episodes,
    ):
        header.write("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n")
        episodes.write(
            "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        )
        for n in range(1, children + 1):
            cid = f"{700000 + n}"
            born = _day(rng, dt.date(year - 17, 4, 1), dt.date(year - 1, 1, 1))
            header.write(f"{cid},{rng.choice('12')},{born:%d/%m/%Y},WBRI,,,\n")
            start = _day(rng, max(born, dt.date(year - 5, 4, 1)), dt.date(year, 3, 1))
            moves = rng.choice((0, 0, 0, 1, 1, 2, 3, 4))
            day, rne = start, "S"
            for m in range(moves + 1):
                end = None if m == moves else day + dt.timedelta(days=rng.randrange(30, 400))
                if end is not None and end > dt.date(year, 3, 31):
                    end = None
                place = rng.choice(("U1", "U3", "U4", "U5", "R1", "K2"))
                episodes.write(
                    f"{cid},{day:%d/%m/%Y},{rne},C2,N1,{place},PR1,{'' if end is None else f'{end:%d/%m/%Y}'},"
                    f"{'' if end is None else 'X1'},,CR0 1AB,CR2 6XH,SC{rng.randrange(100000, 999999)}\n"
                )
                if end is None:
                    break
                day, rne = end, rng.choice(("P", "P", "L", "T"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lif_dfe.fake", description="Write fake statutory returns (no real children)."
    )
    sub = parser.add_subparsers(dest="kind", required=True)
    cin = sub.add_parser("cin")
    cin.add_argument("path", type=Path)
    cin.add_argument("--children", type=int, default=2000)
    cin.add_argument("--year", type=int, default=2019)
    cin.add_argument("--seed", type=int, default=1)
    cin.add_argument("--faulty", action="store_true", help="with the faults the data-quality checks find")
    ref = sub.add_parser("referrals")
    ref.add_argument("path", type=Path)
    ref.add_argument("--rows", type=int, default=100_000)
    ref.add_argument("--children", type=int, default=50_000)
    ref.add_argument("--seed", type=int, default=1)
    lac = sub.add_parser("ssda903")
    lac.add_argument("folder", type=Path)
    lac.add_argument("--children", type=int, default=400)
    lac.add_argument("--year", type=int, default=2019)
    lac.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.kind == "cin":
        write_cin(args.path, args.children, args.year, args.seed, clean=not args.faulty)
    elif args.kind == "referrals":
        write_referrals(args.path, args.rows, args.children, args.seed)
    else:
        write_ssda903(args.folder, args.children, args.year, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
