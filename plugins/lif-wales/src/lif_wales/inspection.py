"""The Welsh inspection frameworks a regional safeguarding children board is inspected against,
as data: Care Inspectorate Wales's review of local authority social services, and the joint
inspections of child protection arrangements."""

from __future__ import annotations

from lif_core import Area, InspectionFramework

CIW_LOCAL_AUTHORITY = InspectionFramework(
    name="ciw-local-authority",
    title="Care Inspectorate Wales: review of local authority social services",
    body="Care Inspectorate Wales (CIW)",
    edition="Code of Practice for Review of Local Authority Social Services, May 2023",
    description=(
        "CIW reviews local authority social services (assurance checks, performance evaluation inspections, "
        "improvement checks) through the outcomes and principles of the Social Services and Well-being (Wales) "
        "Act 2014, reporting good practice, what must improve where statutory duties are not met, and what "
        "should improve. Its inspections consider one or more themes (the themes below, from CIW's 'How we "
        "inspect local authority social services'), and its reports are organised by the Act's principles "
        "(people: voice and control; prevention; partnerships and integration; well-being)."
    ),
    areas=(
        Area("people-voice-and-control", "People: voice and control", "The 2014 Act's principle, as CIW reports it"),
        Area("prevention", "Prevention and early intervention", "The 2014 Act's principle, as CIW reports it"),
        Area("partnerships-and-integration", "Partnerships and integration", "The 2014 Act's principle"),
        Area("well-being", "Well-being", "The 2014 Act's principle, as CIW reports it"),
        Area("access", "Access: information, advice and assistance, early intervention and prevention"),
        Area("assessment", "Assessment"),
        Area("care-and-support", "Care and support"),
        Area("safeguarding-and-protection", "Safeguarding and protection"),
        Area("leadership-management-governance", "Leadership, management and governance"),
    ),
)

JICPA = InspectionFramework(
    name="jicpa",
    title="Joint inspection of child protection arrangements (JICPA)",
    body=(
        "Care Inspectorate Wales, with Healthcare Inspectorate Wales, His Majesty's Inspectorate of Constabulary "
        "and Fire & Rescue Services and Estyn"
    ),
    edition="2019-2024 programme",
    description=(
        "Joint inspections of the multi-agency response to abuse and neglect of children, in each of Wales's six "
        "regional safeguarding board areas between 2019 and 2024: how well partner agencies communicate and "
        "collaborate to promote the welfare of children and protect them from abuse and harm, and the work of "
        "individual agencies (CIW, 19 September 2024). HM Inspectorate of Probation is not named in the sources "
        "checked for this plugin."
    ),
    areas=(
        Area("partnership-working", "The effectiveness of partnership working in child protection"),
        Area("agency-practice", "The work of individual agencies in child protection"),
        Area("information-sharing", "Communication and information sharing between agencies"),
    ),
)

FRAMEWORKS: tuple[InspectionFramework, ...] = (CIW_LOCAL_AUTHORITY, JICPA)
