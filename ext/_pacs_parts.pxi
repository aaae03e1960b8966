# Included by pacs_xml.pyx: the element writers of the twin's Writer methods, as
# functions of the Writer (one module, split to keep each file readable).  Each reads
# a record's fields by attribute, as the twin does, and writes through the Writer's
# buffer primitives; the order of elements is the XSD's, step for step the twin's.

# -- parties ----------------------------------------------------------------------------

cdef int _address(Writer w, object a) except -1:
    if a is None:
        return 0
    cdef bint new = w.new
    w._open("PstlAdr")
    if a.address_type:
        if new:
            w._code_or_prtry("AdrTp", a.address_type, None)
        else:
            w._el("AdrTp", a.address_type)
    w._opt("Dept", a.department)
    w._opt("SubDept", a.sub_department)
    w._opt("StrtNm", a.street_name)
    w._opt("BldgNb", a.building_number)
    if new:
        w._opt("BldgNm", a.building_name)
        w._opt("Flr", a.floor)
        w._opt("PstBx", a.post_box)
        w._opt("Room", a.room)
    w._opt("PstCd", a.post_code)
    w._opt("TwnNm", a.town_name)
    if new:
        w._opt("TwnLctnNm", a.town_location_name)
        w._opt("DstrctNm", a.district_name)
    w._opt("CtrySubDvsn", a.country_sub_division)
    w._opt("Ctry", a.country)
    for line in a.address_lines[:7]:
        w._el_or_empty("AdrLine", line)
    return w._close()

cdef int _generic(Writer w, object g) except -1:
    w._open("Othr")
    w._el_or_empty("Id", g.id)
    w._code_or_prtry("SchmeNm", g.scheme_code, g.scheme_proprietary)
    w._opt("Issr", g.issuer)
    return w._close()

cdef int _party(Writer w, const char* tag, object p) except -1:
    if p is None:
        return 0
    w._open(tag)
    w._opt("Nm", p.name)
    _address(w, p.postal_address)
    lei = p.organisation_lei if w.new else None
    organisation_ids = p.organisation_ids
    if p.organisation_bic or lei or organisation_ids:
        w._open("Id")
        w._open("OrgId")
        w._opt("AnyBIC" if w.new else "BICOrBEI", p.organisation_bic)
        w._opt("LEI", lei)
        for g in organisation_ids:
            _generic(w, g)
        w._close()
        w._close()
    else:
        birth_date = p.birth_date
        birth = birth_date and p.birth_city and p.birth_country
        private_ids = p.private_ids
        if birth or private_ids:
            w._open("Id")
            w._open("PrvtId")
            if birth:
                w._open("DtAndPlcOfBirth")
                w._el_or_empty("BirthDt", birth_date.isoformat() if birth_date else None)
                w._el_or_empty("CityOfBirth", p.birth_city)
                w._el_or_empty("CtryOfBirth", p.birth_country)
                w._close()
            for g in private_ids:
                _generic(w, g)
            w._close()
            w._close()
    w._opt("CtryOfRes", p.country_of_residence)
    return w._close()

cdef int _account(Writer w, const char* tag, object a) except -1:
    if a is None:
        return 0
    iban = a.iban
    if not (iban or a.other_id):
        return 0
    if iban and not (a.type_code or a.currency or a.name or (w.new and a.proxy)):
        w._open(tag)  # the common case, an IBAN only
        w._open("Id")
        w._el("IBAN", iban)
        w._close()
        return w._close()
    w._open(tag)
    w._open("Id")
    if iban:
        w._el("IBAN", iban)
    elif a.other_id is not None:
        _generic(w, a.other_id)
    w._close()
    type_code = a.type_code
    if w.new or type_code in ACCOUNT_TYPES_02:
        w._code_or_prtry("Tp", type_code, None)
    else:  # an ExternalCashAccountType1Code pacs.008.001.02's closed list lacks
        w._code_or_prtry("Tp", None, type_code)
    w._opt("Ccy", a.currency)
    w._opt("Nm", a.name)
    if w.new and a.proxy:
        w._open("Prxy")
        w._el_or_empty("Id", a.proxy)
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
    bic = a.bic
    if bic and not (a.member_id or (w.new and a.lei) or a.name
                    or a.postal_address is not None or a.other_id or a.branch_id):
        return _bic_only(w, tag, bic)  # the common case, a BIC only
    w._open(tag)
    w._open("FinInstnId")
    w._opt("BICFI" if w.new else "BIC", bic)
    if a.member_id:
        w._open("ClrSysMmbId")
        w._code_or_prtry("ClrSysId", a.clearing_system_code, a.clearing_system_proprietary)
        w._el_or_empty("MmbId", a.member_id)
        w._close()
    if w.new:
        w._opt("LEI", a.lei)
    w._opt("Nm", a.name)
    _address(w, a.postal_address)
    if a.other_id:
        w._open("Othr")
        w._el_or_empty("Id", a.other_id)
        w._close()
    w._close()
    if a.branch_id:
        w._open("BrnchId")
        w._el_or_empty("Id", a.branch_id)
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
    instruction_priority = t.instruction_priority
    service_level = t.service_level
    service_level_proprietary = t.service_level_proprietary
    local_instrument = t.local_instrument
    local_instrument_proprietary = t.local_instrument_proprietary
    category_purpose = t.category_purpose
    category_purpose_proprietary = t.category_purpose_proprietary
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
    _party(w, "UltmtCdtr", t.ultimate_creditor)
    w._code_or_prtry("Purp", t.purpose, t.purpose_proprietary)
    for report in t.regulatory_reporting[:10]:
        w._open("RgltryRptg")
        w._opt("DbtCdtRptgInd", report.indicator)
        if report.authority_name or report.authority_country:
            w._open("Authrty")
            w._opt("Nm", report.authority_name)
            w._opt("Ctry", report.authority_country)
            w._close()
        if report.code or report.country or report.information:
            w._open("Dtls")
            w._opt("Ctry", report.country)
            w._opt("Cd", report.code)
            for info in report.information:
                w._el_or_empty("Inf", info)
            w._close()
        w._close()
    remittance = t.remittance_unstructured
    creditor_reference = t.creditor_reference
    if remittance or creditor_reference:
        w._open("RmtInf")
        for line in remittance:
            w._el_or_empty("Ustrd", line)
        if creditor_reference:
            w._open("Strd")
            w._open("CdtrRefInf")
            if t.creditor_reference_type:
                w._open("Tp")
                w._code_or_prtry("CdOrPrtry", t.creditor_reference_type, None)
                w._close()
            w._el_or_empty("Ref", creditor_reference)
            w._close()
            w._close()
        w._close()
    return 0

cdef int _transaction(Writer w, object t, str tx_id, object uetr, object day, object bearer,
                      object instructing, object instructed) except -1:
    w._open("CdtTrfTxInf")
    _payment_ids(w, tx_id, t.end_to_end_id, tx_id, uetr)
    _payment_type(w, t)
    w._money("IntrBkSttlmAmt", t.amount)
    if day is not None:
        w._el("IntrBkSttlmDt", day.isoformat())
    instructed_amount = t.instructed_amount
    if instructed_amount is not None:
        w._money("InstdAmt", instructed_amount)
    w._el_or_empty("ChrgBr", bearer)
    if instructing is not None:
        _bic_agent(w, "InstgAgt", instructing)
    if instructed is not None:
        _bic_agent(w, "InstdAgt", instructed)
    _intermediaries(w, t.intermediary_agents)
    # The debtor side is the PmtInf's (and the message's), shared by its transactions.
    w._shared(PARTY, "UltmtDbtr", t.ultimate_debtor)
    if w.new:
        w._shared(PARTY, "InitgPty", t.message.initiating_party)
    w._shared(PARTY, "Dbtr", t.debtor)
    w._shared(ACCOUNT, "DbtrAcct", t.debtor_account)
    w._shared(AGENT, "DbtrAgt", t.debtor_agent)
    _agent(w, "CdtrAgt", t.creditor_agent)
    _party(w, "Cdtr", t.creditor)
    _account(w, "CdtrAcct", t.creditor_account)
    _tail(w, t)
    return w._close()

