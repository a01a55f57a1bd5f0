"""Ofsted Annex A workbooks: lists 1-11 (contacts, early help, referrals, assessments, s.47,
children in need, child protection, looked after, care leavers, adoption, adopters)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

from lif_core import Batch, DataSourceAdapter, LifError, OptionValue, Record, XlsxAdapter

LISTS = {
    1: "contacts",
    2: "early help",
    3: "referrals",
    4: "assessments",
    5: "section 47 enquiries and ICPCs",
    6: "children in need",
    7: "child protection",
    8: "children looked after",
    9: "care leavers",
    10: "adoption",
    11: "adopters",
}

#: The columns of each list as the Annex A template (January 2024) names them: what a list
#: holds beyond these is not read unless the source's fields declare it.
COLUMNS: dict[int, tuple[str, ...]] = {
    1: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Date of Contact",
        "Contact Source",
    ),
    2: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
    ),
    3: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Date of Referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ),
    4: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Does the Child have a Disability",
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        "Allocated Team",
        "Allocated Worker",
    ),
    5: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Does the Child have a Disability",
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        "Allocated Team",
        "Allocated Worker",
    ),
    6: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Does the Child have a Disability",
        "CIN Start Date",
        "Primary Need Code",
        "Date Child Was Last Seen",
        "CIN Closure Date",
        "Reason for Closure",
        "Case Status",
        "Allocated Team",
        "Allocated Worker",
    ),
    7: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Does the Child have a Disability",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
        "Number of Previous Child Protection Plans",
        "Allocated Team",
        "Allocated Worker",
    ),
    8: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
        "Does the Child have a Disability",
        "Date Started to be Looked After",
        "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
        "Start date of current legal status",
        "Child's Legal Status",
        "Date of Latest Statutory Review",
        "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child",
        "Date of Last Health Assessment",
        "Date of Last Dental Check",
        "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After",
        "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement",
        "Placement Type",
        "Placement Provider",
        "Placement postcode",
        "URN of Placement",
        "Placement Location",
        "LA of Placement",
        "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last 12 months",
        "Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the last 12 months",
        "Was the child offered a Return Interview after their last missing episode (Y/N)?",
        "Did the child accept a Return Interview after their last missing episode (Y/N)?",
        "Allocated Team",
        "Allocated Worker",
    ),
    9: (
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age",
        "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
        "Does the Child have a Disability",
        "Allocated Team",
        "Allocated Worker",
        "Allocated Personal Advisor",
        "Eligibility Category",
        "Latest Pathway Plan Review Date",
        "LA in Touch",
        "Latest Date of Contact",
        "Type of Accommodation",
        "Suitability of Accommodation",
        "Activity Status",
    ),
    10: (
        "Child Unique ID",
        "Family identifier",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Date the Child Entered Care",
        "Date of Decision that Child Should be Placed for Adoption",
        "Date of Placement Order",
        "Date of Matching Child and Prospective Adopters",
        "Date Placed for Adoption",
        "Date of Adoption Order",
        "Date of Decision that Child Should No Longer be Placed for Adoption",
        "Reason Why Child No Longer Placed for Adoption",
        "Date the child was placed for fostering in FFA or concurrent planning placement",
    ),
    11: (
        "Individual adopter identifier",
        "Family identifier",
        "Gender",
        "Ethnicity",
        "Disability",
        "Is the (prospective) adopter fostering for adoption?",
        "Date enquiry received",
        "Date Stage 1 started",
        "Date Stage 1 ended",
        "Date Stage 2 started",
        "Date Stage 2 ended",
        "Date application submitted",
        "Date application approved",
        "Date adopter matched with child(ren)",
        "Date child/children placed with adopter(s)",
        "No. of children placed",
        "Date of Adoption Order",
        "Date of leaving adoption process",
        "Reason for leaving adoption process",
    ),
}


class AnnexAAdapter(DataSourceAdapter):
    """One list of an Ofsted Annex A workbook (sheets ``List 1`` to ``List 11``).

    Options: ``list`` (1-11). Identifiers (child, family, adopter) are pseudonymised, dates of
    birth kept to the month, every column whose name holds "Date" checked as a date, placement
    postcodes cut to their sector, and workers' and advisers' names dropped: published figures
    never need them. The workbook is read as the ``xlsx`` adapter reads any (every row whatever
    the sheet's stated dimension; a malformed cell named by list, row, cell and column, never by
    its value; zip bombs and XML entities refused).
    """

    name = "annex-a"
    title = "Ofsted Annex A workbook list (.xlsx)"
    suffixes = (".xlsx", ".xlsm")

    @staticmethod
    def _list(options: Mapping[str, OptionValue]) -> int:
        number = options.get("list")
        if isinstance(number, bool) or not isinstance(number, int) or number not in LISTS:
            raise LifError(
                f"option list must be a whole number from 1 to 11 ({', '.join(f'{k}: {v}' for k, v in LISTS.items())})"
            )
        return number

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        """The list's known columns (as text, dates as dates), and every column of the file whose
        name says it holds a date; identifiers, dates of birth and postcodes as such, workers'
        names dropped. Other columns are not read unless the source declares them."""
        number = options.get("list")
        known = COLUMNS.get(number, ()) if isinstance(number, int) and not isinstance(number, bool) else ()
        specs = dict.fromkeys(known, "text")
        for column in (*known, *columns):
            lowered = column.lower()
            if re.search(r"date of birth|birth ?date|\bdob\b", lowered):
                specs[column] = "dob"  # however a template words it, a date of birth is kept to its month
            elif "date" in lowered:
                specs[column] = "date"
        specs.update(
            {
                "Child Unique ID": "child-id",
                "Individual adopter identifier": "child-id",
                "Family identifier": "child-id?",
                "Date of Birth": "dob",
                "Placement postcode": "postcode",
                "Allocated Worker": "drop",
                "Allocated Personal Advisor": "drop",
            }
        )
        return specs

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def check(self, path: Path, options: Mapping[str, OptionValue]) -> list[str]:
        """Whether the workbook opens with the list asked for: its options, then its sheet as
        the ``xlsx`` adapter checks one (reading no more of it than that check does)."""
        if path.suffix.lower() not in self.suffixes:
            return [f"{path.name} does not end in {' or '.join(self.suffixes)}"]
        try:
            number = self._options(path, options)
        except LifError as exc:
            return [str(exc)]
        return XlsxAdapter().check(path, {"sheet": f"List {number}"})

    def _options(self, path: Path, options: Mapping[str, OptionValue]) -> int:
        unknown = sorted(set(options) - {"list"})
        if unknown:
            raise LifError(f"{path.name}: unknown option(s) {', '.join(unknown)}; known: list")
        return self._list(options)

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        number = self._options(path, options)
        yield from XlsxAdapter().batches(path, {"sheet": f"List {number}"})
