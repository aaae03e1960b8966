"""Reference data for :mod:`iso20022.synth`: currencies, banks, places, names, texts.

Plain data, kept apart from the generator's logic.
"""

from __future__ import annotations

from decimal import Decimal

# currency -> (minor-unit digits, magnitude multiplier versus EUR-like amounts)
_CCY: dict[str, tuple[int, int]] = {
    "EUR": (2, 1), "USD": (2, 1), "GBP": (2, 1), "CHF": (2, 1), "JPY": (0, 150),
    "KWD": (3, 1), "PKR": (2, 280), "CNY": (2, 7), "AED": (2, 4), "SAR": (2, 4),
    "PLN": (2, 4), "DKK": (2, 7),
}
# units of currency per 1 USD, for exchange rates
_PER_USD: dict[str, Decimal] = {
    "USD": Decimal(1), "EUR": Decimal("0.9215"), "GBP": Decimal("0.7893"),
    "CHF": Decimal("0.8812"), "JPY": Decimal("151.34"), "KWD": Decimal("0.30745"),
    "PKR": Decimal("278.45"), "CNY": Decimal("7.2391"), "AED": Decimal("3.6725"),
    "SAR": Decimal("3.7502"), "PLN": Decimal("3.9822"), "DKK": Decimal("6.8731"),
}
_HOME_CCY = {
    "DE": "EUR", "FR": "EUR", "NL": "EUR", "BE": "EUR", "ES": "EUR", "IT": "EUR",
    "AT": "EUR", "CH": "CHF", "GB": "GBP", "PL": "PLN", "DK": "DKK", "PK": "PKR",
    "AE": "AED", "SA": "SAR", "KW": "KWD", "US": "USD", "CN": "CNY", "JP": "JPY",
}
_EURO = ("DE", "FR", "NL", "BE", "ES", "IT", "AT")
_SEPA = (*_EURO, "CH", "GB", "PL", "DK")
_WORLD = (*_SEPA, "PK", "AE", "SA", "KW", "US", "CN", "JP")
# country -> (BIC, national bank code) ; bank codes match the BIC's institution
_BANKS: dict[str, tuple[tuple[str, str], ...]] = {
    "DE": (("DEUTDEFF500", "50070010"), ("COBADEFFXXX", "37040044"),
           ("HYVEDEMM488", "10020890"), ("HASPDEHHXXX", "20050550"), ("INGDDEFF", "50010517")),
    "FR": (("BNPAFRPPXXX", "30004"), ("SOGEFRPP", "30003"), ("CRLYFRPPXXX", "30002")),
    "NL": (("INGBNL2A", "INGB"), ("ABNANL2A", "ABNA"), ("RABONL2U", "RABO")),
    "BE": (("GEBABEBB", "001"), ("KREDBEBB", "734"), ("BBRUBEBB", "310")),
    "ES": (("CAIXESBBXXX", "2100"), ("BSCHESMM", "0049"), ("BBVAESMMXXX", "0182")),
    "IT": (("UNCRITMMXXX", "02008"), ("BCITITMM", "03069")),
    "AT": (("BKAUATWW", "12000"), ("RZBAATWW", "31000")),
    "CH": (("UBSWCHZH80A", "00230"), ("ZKBKCHZZ80A", "00700"), ("POFICHBEXXX", "09000")),
    "GB": (("BARCGB22", "BARC"), ("NWBKGB2L", "NWBK"), ("LOYDGB2LXXX", "LOYD")),
    "PL": (("BPKOPLPW", "10201026"), ("BREXPLPW", "11402004")),
    "DK": (("DABADKKK", "3000"), ("NDEADKKK", "2000")),
    "PK": (("HABBPKKA", "HABB"), ("UNILPKKA", "UNIL"), ("MEZNPKKA", "MEZN")),
    "AE": (("EBILAEAD", "026"), ("NBADAEAA", "035")),
    "SA": (("NCBKSAJE", "10"), ("RIBLSARI", "20")),
    "KW": (("NBOKKWKW", "NBOK"),),
    "US": (("CHASUS33", "021000021"), ("CITIUS33XXX", "021000089"), ("BOFAUS3N", "026009593")),
    "CN": (("BKCHCNBJ", "104100000004"), ("ICBKCNBJ", "102100099996")),
    "JP": (("BOTKJPJT", "0005"), ("MHCBJPJT", "0001")),
}
_CLR_CODE = {"US": "USABA", "CN": "CNAPS", "JP": "JPZGN"}
# digits after the bank code, for BBANs built as bank code + random digits
_BBAN_REST = {"DE": 10, "AT": 11, "NL": 10, "GB": 14, "CH": 12, "PK": 16, "AE": 16, "SA": 18,
              "KW": 22, "PL": 16, "DK": 10}
_AUTHORITY = {"DE": "Deutsche Bundesbank", "FR": "Banque de France", "NL": "De Nederlandsche Bank",
              "BE": "Banque Nationale de Belgique", "ES": "Banco de España",
              "IT": "Banca d'Italia", "AT": "Oesterreichische Nationalbank",
              "PK": "State Bank of Pakistan", "AE": "Central Bank of the UAE",
              "SA": "Saudi Central Bank", "KW": "Central Bank of Kuwait"}
# country -> (companies, persons, streets, "town=postcode" ...), '|'-separated
_PLACES_SRC: dict[str, tuple[str, str, str, str]] = {
    "DE": ("Müller & Söhne GmbH|Bäckerei Weiß KG|Schäfer Maschinenbau AG"
           "|Köhler Logistik GmbH & Co. KG|Grün & Partner Steuerberatung",
           "Jürgen Groß|Anna Schmidt|Özlem Yılmaz",
           "Königsallee|Hauptstraße|Friedrichstraße|Schloßstraße|Am Gänsemarkt",
           "Düsseldorf=40212|München=80331|Köln=50667|Frankfurt am Main=60311|Berlin=10117"),
    "FR": ("Société Générale <Paris>|Électricité & Gaz de l'Ouest SA|Café \"Le Zinc\" SARL"
           "|Boulangerie Lefèvre|Transports Hébert & Fils", "François Lefèvre|Hélène Dubois",
           "Rue de Rivoli|Avenue des Champs-Élysées|Boulevard Haussmann|Rue de la Paix",
           "Paris=75001|Lyon=69002|Marseille=13001|Lille=59000|Toulouse=31000"),
    "NL": ("Van der Berg B.V.|Heijmans & Zonen N.V.|Stichting Zeeuwse IJsbaan",
           "Pieter de Vries|Eline van 't Hof", "Keizersgracht|Damrak|Coolsingel|Oudegracht",
           "Amsterdam=1016 GV|Rotterdam=3012 AA|Utrecht=3511 AB|Den Haag=2511 BT"),
    "BE": ("Brasserie L'Écluse SPRL|Vlaamse Bouw NV|Chocolaterie Dupont & Fils",
           "Lotte Peeters|Frédéric Janssens", "Rue Neuve|Meir|Avenue Louise",
           "Bruxelles=1000|Antwerpen=2000|Gent=9000|Liège=4000"),
    "ES": ("Construcciones Núñez y Peña S.L.|Frutas García e Hijos S.A.|Bodegas Ibáñez S.A.",
           "Ángel Martínez|María José Fernández", "Calle de Alcalá|Passeig de Gràcia|Gran Vía",
           "Madrid=28014|Barcelona=08007|Sevilla=41001|València=46002"),
    "IT": ("Ferrari & Figli S.p.A.|Caffè Nazionale S.r.l.|Tessitura Comò S.p.A.",
           "Niccolò Rossi|Giulia Bianchi", "Via del Corso|Corso Buenos Aires|Via Toledo",
           "Roma=00186|Milano=20124|Napoli=80134|Torino=10121"),
    "AT": ("Österreichische Möbelwerke GmbH|Wiener Kaffeehaus Größ KG", "Lukas Hölzl|Sophie Bäck",
           "Kärntner Straße|Mariahilfer Straße", "Wien=1010|Graz=8010|Salzburg=5020"),
    "CH": ("Zürcher Uhrenmanufaktur AG|Genève Horlogerie SA|Bündner Käserei GmbH",
           "Urs Kälin|Chloé Favre", "Bahnhofstrasse|Rue du Rhône|Marktgasse",
           "Zürich=8001|Genève=1204|Basel=4051|Bern=3011"),
    "GB": ("Smith & Wesley Ltd|O'Neill Consulting Ltd|Thames Valley Logistics PLC",
           "Oliver Brown|Siobhán O'Connor", "High Street|King's Road|Baker Street",
           "London=EC2V 7HH|Manchester=M1 1AE|Edinburgh=EH1 1YZ|Bristol=BS1 4DJ"),
    "PL": ("Łódź Transport S.A.|Przedsiębiorstwo Żółw Sp. z o.o.|Gdańskie Stocznie S.A.",
           "Grzegorz Brzęczyszczykiewicz|Małgorzata Wójcik",
           "ul. Piotrkowska|ul. Marszałkowska|ul. Świętojańska",
           "Łódź=90-001|Warszawa=00-001|Kraków=30-001|Gdańsk=80-001"),
    "DK": ("Ørsted A/S|Bjørn Møller ApS|Ålborg Søfart A/S", "Søren Kierkegård|Mette Nørgaard",
           "Strøget|Nørregade|Åboulevarden", "København=1050|Aarhus=8000|Odense=5000"),
    "PK": ("Karachi Textiles (Pvt) Ltd|Lahore Rice Mills|عمران ٹریڈرز",
           "Muhammad Imran Khan|Ayesha Siddiqui",
           "Shahrah-e-Faisal|Mall Road|I. I. Chundrigar Road",
           "Karachi=74000|Lahore=54000|Islamabad=44000"),
    "AE": ("Emirates Trading LLC|دبي للتجارة ذ.م.م|Al Futtaim & Sons FZE",
           "Fatima Al Mansouri|Ahmed Al Hashimi", "Sheikh Zayed Road|Al Wasl Road|Corniche Road",
           "Dubai=|Abu Dhabi=|Sharjah="),
    "SA": ("شركة الراجحي للتجارة|Riyadh Contracting Co.|Red Sea Logistics Co.",
           "Abdullah Al Qahtani|Noura Al Harbi", "King Fahd Road|Olaya Street|Tahlia Street",
           "Riyadh=11564|Jeddah=21577|Dammam=32241"),
    "KW": ("Al-Sabah Trading Co. W.L.L.|Gulf Petrochemicals K.S.C.", "Yousef Al Mutairi",
           "Gulf Road|Fahad Al-Salem Street", "Kuwait City=13001|Hawalli=32001"),
    "US": ("Acme Widgets, Inc.|Smith & Sons Hardware LLC|Blue Ridge Analytics Corp.",
           "John O'Brien|Emily Chen", "Market Street|Broadway|Fifth Avenue",
           "New York=10004|San Francisco=94105|Chicago=60601|Houston=77002"),
    "CN": ("上海贸易有限公司|深圳华强电子有限公司|Beijing Sino Tech Co., Ltd.", "王伟|Li Na",
           "南京东路|Zhongshan Road|长安街", "上海=200001|北京=100005|深圳=518000"),
    "JP": ("株式会社テスト|東京精密工業株式会社|Osaka Trading K.K.", "山田太郎|Sato Yuki",
           "銀座|Nishi-Shinjuku|丸の内", "東京=100-0005|大阪=530-0001|Yokohama=220-0011"),
}
# country -> (company pattern, first names, surnames or brands, trades, legal forms)
_NAMES_SRC: dict[str, tuple[str, str, str, str, str]] = {
    "DE": ("{l} {t} {f}", "Lukas|Marie|Jörg|Sönke|Käthe|Finn", "Müller|Schäfer|Groß|Weiß|Köhler"
           "|Hoffmann|Becker|Wagner", "Maschinenbau|Logistik|Elektrotechnik|Bau|Feinkost",
           "GmbH|AG|KG|GmbH & Co. KG|e.K."),
    "FR": ("{t} {l} {f}", "Élodie|Jérôme|Anaïs|Benoît|Camille", "Lefèvre|Dubois|Moreau|Girard"
           "|Rousseau|Mercier", "Transports|Boulangerie|Bâtiment|Conseil|Vins", "SARL|SA|SAS"),
    "NL": ("{l} {t} {f}", "Daan|Sanne|Joost|Fleur", "de Vries|Jansen|van Dijk|Bakker|Visser",
           "Bouw|Transport|Installatietechniek|Bloemen", "B.V.|N.V.|V.O.F."),
    "BE": ("{t} {l} {f}", "Lotte|Maxime|Wout|Amélie", "Peeters|Janssens|Maes|Lambert|Dupont",
           "Brasserie|Bouw|Imprimerie|Transport", "NV|SRL|BV"),
    "ES": ("{t} {l} {f}", "Álvaro|Lucía|Iñaki|Begoña", "García|Núñez|Peña|Ibáñez|Muñoz",
           "Construcciones|Transportes|Bodegas|Talleres", "S.L.|S.A."),
    "IT": ("{t} {l} {f}", "Niccolò|Chiara|Luca|Federica", "Rossi|Bianchi|Esposito|Ricci|Galli",
           "Tessitura|Trasporti|Officine|Pastificio", "S.p.A.|S.r.l.|S.n.c."),
    "AT": ("{l} {t} {f}", "Lukas|Anna|Jürgen|Theresa", "Gruber|Huber|Bauer|Pichler|Hölzl",
           "Holzbau|Elektro|Transporte|Kaffeerösterei", "GmbH|KG|AG"),
    "CH": ("{l} {t} {f}", "Urs|Nicole|Reto|Mélanie", "Meier|Kälin|Favre|Brunner|Müller",
           "Uhren|Treuhand|Käserei|Informatik", "AG|GmbH|SA|Sàrl"),
    "GB": ("{l} {t} {f}", "Oliver|Amelia|Callum|Niamh", "Smith|Jones|Taylor|O'Neill|Evans",
           "Engineering|Logistics|Consulting|Foods", "Ltd|PLC|LLP"),
    "PL": ("{t} {l} {f}", "Paweł|Agnieszka|Łukasz|Zofia", "Kowalski|Wiśniewski|Wójcik|Kamiński",
           "Transport|Budownictwo|Handel|Usługi", "Sp. z o.o.|S.A."),
    "DK": ("{l} {t} {f}", "Søren|Mette|Jørgen|Åse", "Jensen|Nielsen|Møller|Sørensen|Kjær",
           "Byg|Transport|Rådgivning|Bageri", "A/S|ApS|I/S"),
    "PK": ("{l} {t} {f}", "Imran|Ayesha|Bilal|Sana", "Khan|Malik|Qureshi|Siddiqui|Chaudhry",
           "Textiles|Traders|Rice Mills|Surgical", "(Pvt) Ltd|& Co."),
    "AE": ("{l} {t} {f}", "Ahmed|Fatima|Khalid|Mariam",
           "Al Mansouri|Al Hashimi|Al Nuaimi|Al Suwaidi",
           "Trading|General Contracting|Logistics|Foodstuff", "LLC|FZE|FZCO"),
    "SA": ("{l} {t} {f}", "Abdullah|Noura|Faisal|Reem", "Al Qahtani|Al Harbi|Al Otaibi|Al Ghamdi",
           "Contracting|Trading|Industrial", "Co.|Est."),
    "KW": ("{l} {t} {f}", "Yousef|Dana|Hamad", "Al Mutairi|Al Ajmi|Al Rashidi",
           "Trading|General Trading & Contracting", "Co. W.L.L.|K.S.C.C."),
    "US": ("{l} {t} {f}", "James|Emily|Michael|Olivia", "Johnson|Smith|Miller|Garcia|O'Brien",
           "Hardware|Analytics|Logistics|Foods", "Inc.|LLC|Corp."),
    "CN": ("{l}{t}{f}", "", "华强|长江|宏达|金桥|东方", "电子|贸易|物流|科技",
           "有限公司|股份有限公司"),
    "JP": ("{f}{l}{t}", "", "山田|佐藤|鈴木|高橋|大和", "商事|精密工業|物産|電機", "株式会社"),
}



_USTRD = (
    "Invoice {n} dated {d}", "Rechnung Nr. {n} vom {d}", "Facture n° {n} du {d} – règlement",
    "Factura {n} – suministros & servicios", "Fattura {n} del {d}", "Factuur {n} d.d. {d}",
    "Salary {m} – employee {k}", "Gehalt {m} Personalnr. {k}", "Rent {m} / Loyer {m}",
    "PO {n} <partial delivery {k}/3>", "請求書 {n} ({d})", "Faktura VAT {n} z dnia {d}",
    "/INV/{n} {d} /RFB/{k}",
)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MONTHS = ("Jan", "Feb", "Mär", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dez")
_PURPOSES = ("SUPP", "GDDS", "SCVE", "TRAD", "INTC", "RENT", "SALA", "TAXS", "INSU", "DIVD")
