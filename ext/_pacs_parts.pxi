# Included by pacs_xml.pyx: the element writers of the twin's Writer methods, as
# functions of the Writer (one module, split to keep each file readable).  Each reads
# a record's fields with _get (_pacs_fields.pxi), which reads what the twin's attribute
# reads, and writes through the Writer's buffer primitives; the order of elements is
# the XSD's, step for step the twin's.

# -- parties ----------------------------------------------------------------------------


cdef int _address(Writer w, object a) except -1:
    if a is None:
        return 0
    cdef bint new = w.new
    w._open("PstlAdr")
    if _get(a, ADR_ADDRESS_TYPE):
        if new:
            w._code_or_prtry("AdrTp", _get(a, ADR_ADDRESS_TYPE), None)
        else:
            w._el("AdrTp", _get(a, ADR_ADDRESS_TYPE))
    w._opt("Dept", _get(a, ADR_DEPARTMENT))
    w._opt("SubDept", _get(a, ADR_SUB_DEPARTMENT))
    w._opt("StrtNm", _get(a, ADR_STREET_NAME))
    w._opt("BldgNb", _get(a, ADR_BUILDING_NUMBER))
    if new:
        w._opt("BldgNm", _get(a, ADR_BUILDING_NAME))
        w._opt("Flr", _get(a, ADR_FLOOR))
        w._opt("PstBx", _get(a, ADR_POST_BOX))
        w._opt("Room", _get(a, ADR_ROOM))
    w._opt("PstCd", _get(a, ADR_POST_CODE))
    w._opt("TwnNm", _get(a, ADR_TOWN_NAME))
    if new:
        w._opt("TwnLctnNm", _get(a, ADR_TOWN_LOCATION_NAME))
        w._opt("DstrctNm", _get(a, ADR_DISTRICT_NAME))
    w._opt("CtrySubDvsn", _get(a, ADR_COUNTRY_SUB_DIVISION))
    w._opt("Ctry", _get(a, ADR_COUNTRY))
    for line in _get(a, ADR_ADDRESS_LINES)[:7]:
        w._el_or_empty("AdrLine", line)
    return w._close()


cdef int _generic(Writer w, object g) except -1:
    w._open("Othr")
    w._el_or_empty("Id", _get(g, GID_ID))
    w._code_or_prtry("SchmeNm", _get(g, GID_SCHEME_CODE), _get(g, GID_SCHEME_PROPRIETARY))
    w._opt("Issr", _get(g, GID_ISSUER))
    return w._close()


cdef int _party(Writer w, const char* tag, object p) except -1:
    if p is None:
        return 0
    w._open(tag)
    w._opt("Nm", _get(p, P_NAME))
    _address(w, _get(p, P_POSTAL_ADDRESS))
    lei = _get(p, P_ORGANISATION_LEI) if w.new else None
    organisation_ids = _get(p, P_ORGANISATION_IDS)
    if _get(p, P_ORGANISATION_BIC) or lei or organisation_ids:
        w._open("Id")
        w._open("OrgId")
        w._opt("AnyBIC" if w.new else "BICOrBEI", _get(p, P_ORGANISATION_BIC))
        w._opt("LEI", lei)
        for g in organisation_ids:
            _generic(w, g)
        w._close()
        w._close()
    else:
        birth_date = _get(p, P_BIRTH_DATE)
        birth = birth_date and _get(p, P_BIRTH_CITY) and _get(p, P_BIRTH_COUNTRY)
        private_ids = _get(p, P_PRIVATE_IDS)
        if birth or private_ids:
            w._open("Id")
            w._open("PrvtId")
            if birth:
                w._open("DtAndPlcOfBirth")
                w._el_or_empty("BirthDt", birth_date.isoformat() if birth_date else None)
                w._el_or_empty("CityOfBirth", _get(p, P_BIRTH_CITY))
                w._el_or_empty("CtryOfBirth", _get(p, P_BIRTH_COUNTRY))
                w._close()
            for g in private_ids:
                _generic(w, g)
            w._close()
            w._close()
    w._opt("CtryOfRes", _get(p, P_COUNTRY_OF_RESIDENCE))
    return w._close()


cdef int _account(Writer w, const char* tag, object a) except -1:
    if a is None:
        return 0
    iban = _get(a, ACC_IBAN)
    if not (iban or _get(a, ACC_OTHER_ID)):
        return 0
    if iban and not (_get(a, ACC_TYPE_CODE) or _get(a, ACC_CURRENCY) or _get(a, ACC_NAME)
                     or (w.new and _get(a, ACC_PROXY))):
        w._open(tag)  # the common case, an IBAN only
        w._open("Id")
        w._el("IBAN", iban)
        w._close()
        return w._close()
    w._open(tag)
    w._open("Id")
    if iban:
        w._el("IBAN", iban)
    elif _get(a, ACC_OTHER_ID) is not None:
        _generic(w, _get(a, ACC_OTHER_ID))
    w._close()
    type_code = _get(a, ACC_TYPE_CODE)
    if w.new or type_code in ACCOUNT_TYPES_02:
        w._code_or_prtry("Tp", type_code, None)
    else:  # an ExternalCashAccountType1Code pacs.008.001.02's closed list lacks
        w._code_or_prtry("Tp", None, type_code)
    w._opt("Ccy", _get(a, ACC_CURRENCY))
    w._opt("Nm", _get(a, ACC_NAME))
    if w.new and _get(a, ACC_PROXY):
        w._open("Prxy")
        w._el_or_empty("Id", _get(a, ACC_PROXY))
        w._close()
    return w._close()


cdef int _bic_only(Writer w, const char* tag, str bic) except -1:
    w._open(tag)
    w._open("FinInstnId")
    w._el("BICFI" if w.new else "BIC", bic)
    w._close()
    return w._close()


cdef int _agent(Writer w, const char* tag, object a) except -1:
    if a is None:
        return 0
    bic = _get(a, AGT_BIC)
    if bic and not (_get(a, AGT_MEMBER_ID) or (w.new and _get(a, AGT_LEI)) or _get(a, AGT_NAME)
                    or _get(a, AGT_POSTAL_ADDRESS) is not None or _get(a, AGT_OTHER_ID)
                    or _get(a, AGT_BRANCH_ID)):
        return _bic_only(w, tag, bic)  # the common case, a BIC only
    w._open(tag)
    w._open("FinInstnId")
    w._opt("BICFI" if w.new else "BIC", bic)
    if _get(a, AGT_MEMBER_ID):
        w._open("ClrSysMmbId")
        w._code_or_prtry("ClrSysId", _get(a, AGT_CLEARING_SYSTEM_CODE),
                         _get(a, AGT_CLEARING_SYSTEM_PROPRIETARY))
        w._el_or_empty("MmbId", _get(a, AGT_MEMBER_ID))
        w._close()
    if w.new:
        w._opt("LEI", _get(a, AGT_LEI))
    w._opt("Nm", _get(a, AGT_NAME))
    _address(w, _get(a, AGT_POSTAL_ADDRESS))
    if _get(a, AGT_OTHER_ID):
        w._open("Othr")
        w._el_or_empty("Id", _get(a, AGT_OTHER_ID))
        w._close()
    w._close()
    if _get(a, AGT_BRANCH_ID):
        w._open("BrnchId")
        w._el_or_empty("Id", _get(a, AGT_BRANCH_ID))
        w._close()
    return w._close()


cdef int _bic_agent(Writer w, const char* tag, object bic) except -1:
    if isinstance(bic, str) and bic:
        return _bic_only(w, tag, bic)
    return _agent(w, tag, Agent(bic=bic))

# -- transaction parts ------------------------------------------------------------------


cdef int _payment_ids(Writer w, str instruction_id, str end_to_end_id, str transaction_id,
                      object uetr) except -1:
    w._open("PmtId")
    w._el("InstrId", instruction_id)
    w._el("EndToEndId", end_to_end_id)
    w._el("TxId", transaction_id)
    if uetr is not None:
        w._el("UETR", uetr)
    return w._close()


cdef int _payment_type(Writer w, object t) except -1:
    instruction_priority = _get(t, T_INSTRUCTION_PRIORITY)
    service_level = _get(t, T_SERVICE_LEVEL)
    service_level_proprietary = _get(t, T_SERVICE_LEVEL_PROPRIETARY)
    local_instrument = _get(t, T_LOCAL_INSTRUMENT)
    local_instrument_proprietary = _get(t, T_LOCAL_INSTRUMENT_PROPRIETARY)
    category_purpose = _get(t, T_CATEGORY_PURPOSE)
    category_purpose_proprietary = _get(t, T_CATEGORY_PURPOSE_PROPRIETARY)
    if not (instruction_priority or service_level or service_level_proprietary
            or local_instrument or local_instrument_proprietary
            or category_purpose or category_purpose_proprietary):
        return 0
    w._open("PmtTpInf")
    w._opt("InstrPrty", instruction_priority)
    w._code_or_prtry("SvcLvl", service_level, service_level_proprietary)
    w._code_or_prtry("LclInstrm", local_instrument, local_instrument_proprietary)
    w._code_or_prtry("CtgyPurp", category_purpose, category_purpose_proprietary)
    return w._close()


cdef int _intermediaries(Writer w, object agents) except -1:
    cdef int number = 0
    for agent in agents[:3]:
        _agent(w, _INTERMEDIARIES[number], agent)
        number += 1
    return 0


cdef int _tail(Writer w, object t) except -1:
    _party(w, "UltmtCdtr", _get(t, T_ULTIMATE_CREDITOR))
    w._code_or_prtry("Purp", _get(t, T_PURPOSE), _get(t, T_PURPOSE_PROPRIETARY))
    for report in _get(t, T_REGULATORY_REPORTING)[:10]:
        w._open("RgltryRptg")
        w._opt("DbtCdtRptgInd", _get(report, RPT_INDICATOR))
        if _get(report, RPT_AUTHORITY_NAME) or _get(report, RPT_AUTHORITY_COUNTRY):
            w._open("Authrty")
            w._opt("Nm", _get(report, RPT_AUTHORITY_NAME))
            w._opt("Ctry", _get(report, RPT_AUTHORITY_COUNTRY))
            w._close()
        if _get(report, RPT_CODE) or _get(report, RPT_COUNTRY) or _get(report, RPT_INFORMATION):
            w._open("Dtls")
            w._opt("Ctry", _get(report, RPT_COUNTRY))
            w._opt("Cd", _get(report, RPT_CODE))
            for info in _get(report, RPT_INFORMATION):
                w._el_or_empty("Inf", info)
            w._close()
        w._close()
    remittance = _get(t, T_REMITTANCE_UNSTRUCTURED)
    creditor_reference = _get(t, T_CREDITOR_REFERENCE)
    if remittance or creditor_reference:
        w._open("RmtInf")
        for line in remittance:
            w._el_or_empty("Ustrd", line)
        if creditor_reference:
            w._open("Strd")
            w._open("CdtrRefInf")
            if _get(t, T_CREDITOR_REFERENCE_TYPE):
                w._open("Tp")
                w._code_or_prtry("CdOrPrtry", _get(t, T_CREDITOR_REFERENCE_TYPE), None)
                w._close()
            w._el_or_empty("Ref", creditor_reference)
            w._close()
            w._close()
        w._close()
    return 0


cdef int _transaction(Writer w, object t, str tx_id, object uetr, object day, object bearer,
                      object instructing, object instructed) except -1:
    w._open("CdtTrfTxInf")
    _payment_ids(w, tx_id, _get(t, T_END_TO_END_ID), tx_id, uetr)
    _payment_type(w, t)
    w._money("IntrBkSttlmAmt", _get(t, T_AMOUNT))
    if day is not None:
        w._el("IntrBkSttlmDt", day.isoformat())
    instructed_amount = _get(t, T_INSTRUCTED_AMOUNT)
    if instructed_amount is not None:
        w._money("InstdAmt", instructed_amount)
    w._el_or_empty("ChrgBr", bearer)
    if instructing is not None:
        _bic_agent(w, "InstgAgt", instructing)
    if instructed is not None:
        _bic_agent(w, "InstdAgt", instructed)
    _intermediaries(w, _get(t, T_INTERMEDIARY_AGENTS))
    # The debtor side is the PmtInf's (and the message's), shared by its transactions.
    w._shared(ULTIMATE_DEBTOR, PARTY, "UltmtDbtr", _get(t, T_ULTIMATE_DEBTOR))
    if w.new:
        w._shared(INITIATING_PARTY, PARTY, "InitgPty",
                  _get(_get(t, T_MESSAGE), MSG_INITIATING_PARTY))
    w._shared(DEBTOR, PARTY, "Dbtr", _get(t, T_DEBTOR))
    w._shared(DEBTOR_ACCOUNT, ACCOUNT, "DbtrAcct", _get(t, T_DEBTOR_ACCOUNT))
    w._shared(DEBTOR_AGENT, AGENT, "DbtrAgt", _get(t, T_DEBTOR_AGENT))
    _agent(w, "CdtrAgt", _get(t, T_CREDITOR_AGENT))
    _party(w, "Cdtr", _get(t, T_CREDITOR))
    _account(w, "CdtrAcct", _get(t, T_CREDITOR_ACCOUNT))
    _tail(w, t)
    return w._close()

