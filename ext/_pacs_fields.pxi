# Included by pacs_xml.pyx: how the writers read the fields of the records.
#
# A record is a frozen slotted dataclass, and reading a field by attribute looks the
# name up in the type's method cache and calls its member descriptor every time: a
# quarter of the writer's instructions when it read every field that way.  For the
# record classes themselves a field is read at the offset its member descriptor gives
# (found once, at import); any other object (a subclass, a stand-in with the same
# fields), and a slot never set, is read by getattr, so what is read, and the
# AttributeError for what is missing, are the twin's.

from cpython.object cimport PyObject, PyTypeObject, Py_TYPE

from iso20022.records import (
    Account, Agent, GenericId, MessageHeader, Money, Party, PostalAddress, RegulatoryReport,
    Transfer,
)

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

cdef struct Slot:
    PyTypeObject* owner  # the class whose instances hold the field at offset (or NULL)
    Py_ssize_t offset

cdef enum:
    MAX_FIELDS = 96

cdef Slot _SLOTS[MAX_FIELDS]
cdef list _FIELD_NAMES = []
cdef type _member_type = type(type("_Probe", (), {"__slots__": ("x",)}).__dict__["x"])


cdef int _field(type cls, str name) except -1:
    """Register field ``name`` of ``cls``; its number for :func:`_get`."""
    cdef int number = len(_FIELD_NAMES)
    if number >= MAX_FIELDS:
        raise RuntimeError("more record fields than MAX_FIELDS")
    descriptor = cls.__dict__.get(name)
    if type(descriptor) is _member_type:  # a slot: read it at its offset
        _SLOTS[number].owner = <PyTypeObject*>cls
        _SLOTS[number].offset = (<PyMemberDescrObject*>descriptor).d_member.offset
    else:  # not a slot (the records changed): always getattr, still correct
        _SLOTS[number].owner = NULL
        _SLOTS[number].offset = 0
    _FIELD_NAMES.append(name)
    return number


cdef inline object _get(object record, int field):
    """``getattr(record, <the field's name>)``."""
    cdef PyObject* value
    if Py_TYPE(record) == _SLOTS[field].owner:
        value = (<PyObject**>(<char*><PyObject*>record + _SLOTS[field].offset))[0]
        if value != NULL:
            return <object>value
    return getattr(record, <str>_FIELD_NAMES[field])


# Transfer
cdef int T_AMOUNT = _field(Transfer, "amount")
cdef int T_CATEGORY_PURPOSE = _field(Transfer, "category_purpose")
cdef int T_CATEGORY_PURPOSE_PROPRIETARY = _field(Transfer, "category_purpose_proprietary")
cdef int T_CREDITOR = _field(Transfer, "creditor")
cdef int T_CREDITOR_ACCOUNT = _field(Transfer, "creditor_account")
cdef int T_CREDITOR_AGENT = _field(Transfer, "creditor_agent")
cdef int T_CREDITOR_REFERENCE = _field(Transfer, "creditor_reference")
cdef int T_CREDITOR_REFERENCE_TYPE = _field(Transfer, "creditor_reference_type")
cdef int T_DEBTOR = _field(Transfer, "debtor")
cdef int T_DEBTOR_ACCOUNT = _field(Transfer, "debtor_account")
cdef int T_DEBTOR_AGENT = _field(Transfer, "debtor_agent")
cdef int T_END_TO_END_ID = _field(Transfer, "end_to_end_id")
cdef int T_INSTRUCTED_AMOUNT = _field(Transfer, "instructed_amount")
cdef int T_INSTRUCTION_PRIORITY = _field(Transfer, "instruction_priority")
cdef int T_INTERMEDIARY_AGENTS = _field(Transfer, "intermediary_agents")
cdef int T_LOCAL_INSTRUMENT = _field(Transfer, "local_instrument")
cdef int T_LOCAL_INSTRUMENT_PROPRIETARY = _field(Transfer, "local_instrument_proprietary")
cdef int T_MESSAGE = _field(Transfer, "message")
cdef int T_PURPOSE = _field(Transfer, "purpose")
cdef int T_PURPOSE_PROPRIETARY = _field(Transfer, "purpose_proprietary")
cdef int T_REGULATORY_REPORTING = _field(Transfer, "regulatory_reporting")
cdef int T_REMITTANCE_UNSTRUCTURED = _field(Transfer, "remittance_unstructured")
cdef int T_SERVICE_LEVEL = _field(Transfer, "service_level")
cdef int T_SERVICE_LEVEL_PROPRIETARY = _field(Transfer, "service_level_proprietary")
cdef int T_ULTIMATE_CREDITOR = _field(Transfer, "ultimate_creditor")
cdef int T_ULTIMATE_DEBTOR = _field(Transfer, "ultimate_debtor")

# MessageHeader
cdef int MSG_INITIATING_PARTY = _field(MessageHeader, "initiating_party")

# Money
cdef int MNY_AMOUNT = _field(Money, "amount")
cdef int MNY_CURRENCY = _field(Money, "currency")

# Party
cdef int P_BIRTH_CITY = _field(Party, "birth_city")
cdef int P_BIRTH_COUNTRY = _field(Party, "birth_country")
cdef int P_BIRTH_DATE = _field(Party, "birth_date")
cdef int P_COUNTRY_OF_RESIDENCE = _field(Party, "country_of_residence")
cdef int P_NAME = _field(Party, "name")
cdef int P_ORGANISATION_BIC = _field(Party, "organisation_bic")
cdef int P_ORGANISATION_IDS = _field(Party, "organisation_ids")
cdef int P_ORGANISATION_LEI = _field(Party, "organisation_lei")
cdef int P_POSTAL_ADDRESS = _field(Party, "postal_address")
cdef int P_PRIVATE_IDS = _field(Party, "private_ids")

# PostalAddress
cdef int ADR_ADDRESS_LINES = _field(PostalAddress, "address_lines")
cdef int ADR_ADDRESS_TYPE = _field(PostalAddress, "address_type")
cdef int ADR_BUILDING_NAME = _field(PostalAddress, "building_name")
cdef int ADR_BUILDING_NUMBER = _field(PostalAddress, "building_number")
cdef int ADR_COUNTRY = _field(PostalAddress, "country")
cdef int ADR_COUNTRY_SUB_DIVISION = _field(PostalAddress, "country_sub_division")
cdef int ADR_DEPARTMENT = _field(PostalAddress, "department")
cdef int ADR_DISTRICT_NAME = _field(PostalAddress, "district_name")
cdef int ADR_FLOOR = _field(PostalAddress, "floor")
cdef int ADR_POST_BOX = _field(PostalAddress, "post_box")
cdef int ADR_POST_CODE = _field(PostalAddress, "post_code")
cdef int ADR_ROOM = _field(PostalAddress, "room")
cdef int ADR_STREET_NAME = _field(PostalAddress, "street_name")
cdef int ADR_SUB_DEPARTMENT = _field(PostalAddress, "sub_department")
cdef int ADR_TOWN_LOCATION_NAME = _field(PostalAddress, "town_location_name")
cdef int ADR_TOWN_NAME = _field(PostalAddress, "town_name")

# GenericId
cdef int GID_ID = _field(GenericId, "id")
cdef int GID_ISSUER = _field(GenericId, "issuer")
cdef int GID_SCHEME_CODE = _field(GenericId, "scheme_code")
cdef int GID_SCHEME_PROPRIETARY = _field(GenericId, "scheme_proprietary")

# Account
cdef int ACC_CURRENCY = _field(Account, "currency")
cdef int ACC_IBAN = _field(Account, "iban")
cdef int ACC_NAME = _field(Account, "name")
cdef int ACC_OTHER_ID = _field(Account, "other_id")
cdef int ACC_PROXY = _field(Account, "proxy")
cdef int ACC_TYPE_CODE = _field(Account, "type_code")

# Agent
cdef int AGT_BIC = _field(Agent, "bic")
cdef int AGT_BRANCH_ID = _field(Agent, "branch_id")
cdef int AGT_CLEARING_SYSTEM_CODE = _field(Agent, "clearing_system_code")
cdef int AGT_CLEARING_SYSTEM_PROPRIETARY = _field(Agent, "clearing_system_proprietary")
cdef int AGT_LEI = _field(Agent, "lei")
cdef int AGT_MEMBER_ID = _field(Agent, "member_id")
cdef int AGT_NAME = _field(Agent, "name")
cdef int AGT_OTHER_ID = _field(Agent, "other_id")
cdef int AGT_POSTAL_ADDRESS = _field(Agent, "postal_address")

# RegulatoryReport
cdef int RPT_AUTHORITY_COUNTRY = _field(RegulatoryReport, "authority_country")
cdef int RPT_AUTHORITY_NAME = _field(RegulatoryReport, "authority_name")
cdef int RPT_CODE = _field(RegulatoryReport, "code")
cdef int RPT_COUNTRY = _field(RegulatoryReport, "country")
cdef int RPT_INDICATOR = _field(RegulatoryReport, "indicator")
cdef int RPT_INFORMATION = _field(RegulatoryReport, "information")
