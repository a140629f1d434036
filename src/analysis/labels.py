"""Every Dutch word a council reader sees for a code in the data: one place, so no report prints an identifier.

Code stays English (and the data's own short codes, such as ``tarief_blijft`` or ``adl``); reports look labels up
here. ``label(kind, code)`` raises for an unknown code rather than printing the code itself.
"""

from __future__ import annotations

import re

SCENARIOS = {
    "tarief_blijft": "Abonnementstarief blijft",
    "inkomensafhankelijk": "Inkomensafhankelijke bijdrage",
    "minder_mantelzorg": "Snellere daling mantelzorg",
}

DECOMPOSITION_TERMS = {
    "bevolkingsomvang": "Groei van de bevolking",
    "leeftijdsopbouw": "Vergrijzing (leeftijdsopbouw)",
    "gebruik": "Gebruik per leeftijdsgroep",
    "totaal": "Totaal",
}

ZRM_DOMAINS = {
    "financien": "Financiën",
    "dagbesteding": "Dagbesteding",
    "huisvesting": "Huisvesting",
    "huiselijke_relaties": "Huiselijke relaties",
    "geestelijke_gezondheid": "Geestelijke gezondheid",
    "lichamelijke_gezondheid": "Lichamelijke gezondheid",
    "middelengebruik": "Middelengebruik",
    "adl": "Algemene dagelijkse levensverrichtingen",
    "sociaal_netwerk": "Sociaal netwerk",
    "participatie": "Maatschappelijke participatie",
    "justitie": "Justitie",
    "opvoeding": "Opvoeding",
}

ROUTES = {
    "gezinsverzorger": "gezinsverzorger (pilot)",
    "gezinscoach": "gezinscoach",
    "regulier": "reguliere hulp",
}

GROUPS = {"pilot": "Pilot (gezinsverzorger)", "vergelijking": "Vergelijkingsgroep (reguliere hulp)"}

# 'direct' is everyone who applied without herstelgerichte hulp; not all of them got maatwerk-HH (some never did)
HERSTEL_GROUPS = {"herstelgericht": "Herstelgerichte hulp eerst", "direct": "Zonder herstelgerichte hulp aangemeld"}

COX_TERMS = {
    "herstelgericht": "Herstelgerichte hulp eerst",
    "leeftijd_per_10": "Per 10 jaar ouder",
    "alleenstaand": "Alleenstaand",
}

RULESETS = {
    "geen": "Alleen vast budget",
    "ventiel": "Vast budget met ventiel",
    "volledig": "Ventiel, malus en afroming",
}

TARIFF_TYPES = {"Wmo": "Wmo-tarief", "Jeugdwet": "jeugdhulptarief", "loonkosten": "loonkosten (in dienst)"}

PHASES = {"voor": "Vóór", "tijdens": "Tijdens", "na": "Na"}

GEO = {"Nederland": "Nederland", "GM0014": "Groningen"}

FORECAST_SOURCES = {
    "steekproef": "Toeval (telling en jaarlijkse schommeling)",
    "drift": "Ontwikkeling van het gebruik per leeftijdsgroep",
    "bevolking": "Fout in de bevolkingsprognose",
    "scenario": "Onzekere scenario-aannames",
}

FORECAST_METHODS = {
    "model": "Model (trend per reeks)",
    "laatste_waarde": "Laatste waarde",
    "lineaire_trend": "Lineaire trend",
}

BACKTEST_SERIES = {
    "landelijk": "Nederland, HH-cliënten per jaar (echt)",
    "gemeenten": "Gemeenten, HH-cliënten 2017-2020 (echt)",
    "registratie": "Registratie Groningen (synthetisch)",
}

# The registration-break screen (analysis.data.breaks): kinds, rules and DiD exclusion kinds in a reader's words
BREAK_KINDS = {
    "opposite": "HH en ondersteuning thuis tegengesteld (hercodering)",
    "level_shift": "HH halveert of verdubbelt en blijft daar",
    "spike": "HH piekt één jaar",
    "missing": "geen HH-cijfer gepubliceerd",
}
BREAK_RULES = {
    "none": "Geen breukregel",
    "opposite": "Alleen HH en ondersteuning thuis tegengesteld",
    "jumps": "Alleen sprongen (niveausprong of eenjarige piek)",
    "all": "Alle signalen van de breukscreening (standaard)",
}
EXCLUSION_KINDS = {
    "boundary": "Grenswijziging (herindeling) in de periode",
    "break": "Breuk in de registratie (breukscreening)",
    "missing": "Ontbrekende jaren of HH-cijfers (niet gepubliceerd door CBS)",
    "income": "Geen gemiddeld inkomen vóór 2019",
}


def break_sentence(
    year: int,
    kind: str,
    hh_before: float,
    hh: float,
    ot_before: float,
    ot: float,
    year_before: int | None = None,
    *,
    last: bool = False,
) -> str:
    """One plain Dutch sentence for a flag of the registration-break screen on a gemeente's own series
    (``year_before``: the previous year with a figure, when it is not ``year - 1``; ``last``: ``year`` is the last
    published year, so whether a level shift lasts cannot be seen yet)."""
    from analysis.formatting import number, percent

    when = f"Tussen {year_before} en {year}" if year_before and year_before != year - 1 else f"In {year}"
    if kind == "opposite":
        up = hh > hh_before
        both0, both1 = hh_before + ot_before, hh + ot
        return (
            f"{when} {'steeg' if up else 'daalde'} HH van {number(hh_before)} naar {number(hh)}, terwijl "
            f"'ondersteuning thuis' {'daalde' if up else 'steeg'} van {number(ot_before)} naar {number(ot)}; samen "
            f"gingen ze van {number(both0)} naar {number(both1)} ({percent(both1 / both0 - 1, 0)}). Dat kan wijzen op "
            "een verschuiving van cliënten tussen de twee categorieën (hercodering); dan is een deel van de "
            "verandering registratie en geen verandering in de vraag. Of dat zo is, kan alleen de eigen registratie "
            "van de gemeente uitwijzen (wie beide soorten hulp krijgt, telt in beide)."
        )
    if kind == "level_shift":
        # the screen cannot tell a new way of registering from a real change: it says which is the likelier
        # reading and who can settle it, and does not claim a level lasts when no later year is published
        stays = (
            f" Omdat {year} het laatste jaar met een cijfer is, is nog niet te zien of het op dat niveau blijft."
            if last
            else " Het bleef op dat niveau."
        )
        return (
            f"{when} {'verdubbelde' if hh > hh_before else 'halveerde'} het aantal HH-cliënten ruim "
            f"({number(hh_before)} naar {number(hh)}).{stays} Zo'n sprong past eerder bij een andere manier van "
            "registreren dan bij een echte verandering in de vraag; de eigen registratie van de gemeente kan dat "
            "uitwijzen."
        )
    if kind == "spike":
        return (
            f"{when} sprong het aantal HH-cliënten naar {number(hh)} (van {number(hh_before)}) en viel het jaar "
            "erna terug: waarschijnlijk een fout in de registratie van dat jaar."
        )
    if kind == "missing":
        return f"Voor {year} publiceerde CBS geen (volledig) HH-cijfer."
    raise KeyError(f"no Dutch sentence for break kind {kind!r}")
EXCLUSION_REASONS = {
    "boundary change (merger) in the period": "grenswijziging (herindeling) in de periode",
    "missing years or HH figures (not published)": "ontbrekende jaren of HH-cijfers (niet gepubliceerd)",
    "missing value in at least one period": "ontbrekende waarde in minstens één jaar",
    "missing value in every period": "ontbrekende waarde in elk jaar",
    "one observation left (absorbed by its fixed effect)": "één waarneming (valt weg door de vaste effecten)",
}


def exclusion_reason(reason: str) -> str:
    """Dutch wording of a reason why the DiD left a unit out (``PanelDiD.excluded.reason``, ``DiDResult.dropped``):
    'registration break 2019' -> 'registratiebreuk 2019', 'no income before 2019' -> 'geen inkomen vóór 2019'."""
    m = re.fullmatch(r"registration break (\d{4})", reason)
    if m:
        return f"registratiebreuk {m.group(1)}"
    m = re.fullmatch(r"no income before (\d{4})", reason)
    if m:
        return f"geen inkomen vóór {m.group(1)}"
    if reason not in EXCLUSION_REASONS:
        raise KeyError(f"no Dutch wording for exclusion reason {reason!r}; add it to analysis.labels")
    return EXCLUSION_REASONS[reason]


_KINDS = {
    "breuk": BREAK_KINDS,
    "breukregel": BREAK_RULES,
    "uitsluiting": EXCLUSION_KINDS,
    "scenario": SCENARIOS,
    "term": DECOMPOSITION_TERMS,
    "zrm": ZRM_DOMAINS,
    "route": ROUTES,
    "groep": GROUPS,
    "herstel": HERSTEL_GROUPS,
    "cox": COX_TERMS,
    "regelset": RULESETS,
    "tarief": TARIFF_TYPES,
    "fase": PHASES,
    "bron": FORECAST_SOURCES,
    "methode": FORECAST_METHODS,
    "reeks": BACKTEST_SERIES,
}


def label(kind: str, code: str) -> str:
    """The Dutch label of ``code`` (e.g. ``label('scenario', 'tarief_blijft')``); unknown codes are an error."""
    try:
        table = _KINDS[kind]
    except KeyError:
        raise KeyError(f"no labels for {kind!r}; known kinds: {sorted(_KINDS)}") from None
    base = code.split("_20")[0] if kind == "scenario" and code not in table else code  # 'inkomensafhankelijk_2027'
    if base not in table:
        raise KeyError(f"no Dutch label for {kind} {code!r}; add it to analysis.labels")
    return table[base]


# ------------------------------------------------------------------------------------------------ glossary

GLOSSARY = {
    "betrouwbaarheidsinterval": "De marge rond een geschatte waarde. Bij een 95%-betrouwbaarheidsinterval ligt de "
    "werkelijke waarde in 95 van de 100 vergelijkbare onderzoeken binnen de marge.",
    "voorspellingsinterval": "De marge waarbinnen een toekomstig aantal met de genoemde kans valt, als de aannames "
    "van het model kloppen.",
    "p-waarde": "De kans op een verschil van minstens deze omvang als er in werkelijkheid geen verschil is. Een "
    "kleine p-waarde (onder 0,05) maakt 'geen verschil' onwaarschijnlijk, maar zegt niet hoe groot of belangrijk het "
    "verschil is; een grote p-waarde betekent niet dat er geen verschil is. Wie veel toetsen doet, vindt er door "
    "toeval ook een paar met een kleine p-waarde.",
    "decompositie": "Het opdelen van een verandering in de bijdragen van afzonderlijke oorzaken, zodat de bijdragen "
    "samen precies de totale verandering geven.",
    "verschil-in-verschillen": "Een vergelijking van de verandering in een groep die een maatregel sterker raakt met "
    "de verandering in een groep die de maatregel minder raakt; zo valt een gemeenschappelijke trend weg.",
    "vaste effecten": "Correctie voor blijvende verschillen tussen gemeenten (en jaren), zodat alleen veranderingen "
    "binnen een gemeente meetellen.",
    "geclusterde standaardfout": "Een maat voor de onzekerheid die rekening houdt met herhaalde metingen in dezelfde "
    "gemeente.",
    "placebotoets": "Dezelfde analyse op een moment waarop er geen effect kan zijn (vóór de maatregel). Vindt die "
    "toch een 'effect', dan is de opzet niet te vertrouwen.",
    "onderbroken tijdreeks": "Een analyse die de trend vóór een maatregel doortrekt en vergelijkt met wat er daarna "
    "gebeurde.",
    "trechterdiagram": "Een grafiek met per gemeente het gebruik tegen de omvang, met grenzen rond het midden (de "
    "gemiddelde gemeente) waarbinnen verschillen door toeval en gewone verschillen tussen gemeenten kunnen komen. "
    "Kleine gemeenten hebben wijdere grenzen. Een gemeente boven of onder de grenzen verschilt meer dan dat verklaart.",
    "gemiddelde gemeente": "Het midden van het trechterdiagram: het gemiddelde van de gemeenten, waarin elke gemeente "
    "ongeveer even zwaar telt (een gewogen gemiddelde van de logaritme van hun cijfers). Het ligt lager dan alle "
    "gemeenten samen, omdat grote steden meer HH hebben en in een totaal zwaar wegen.",
    "standaardafwijking": "Een maat voor hoe ver waarden gemiddeld van hun gemiddelde liggen. Bij een normale "
    "verdeling ligt ongeveer twee derde van de waarden binnen één standaardafwijking van het gemiddelde.",
    "winsoriseren": "Bij het schatten van de spreiding de uiterste waarden (hier de 10% hoogste en 10% laagste) "
    "terugzetten naar de grens van die 10%, zodat enkele uitschieters de spreiding niet opblazen.",
    "synthetische gegevens": "Kunstmatig gemaakte gegevens met dezelfde opbouw als de echte registratie, afgestemd "
    "op openbare cijfers. Ze laten zien hoe een analyse werkt; het zijn geen feiten over echte inwoners.",
    "Reliable Change Index": "Een maat die per gezin aangeeft of een verandering in de ZRM-score groter is dan de "
    "meetfout van het instrument.",
    "minimaal aantoonbaar effect": "De kleinste gemiddelde verandering die een onderzoek van deze omvang met 80% "
    "zekerheid kan aantonen.",
    "permutatietoets": "Een toets die alle manieren nagaat waarop de gemeten veranderingen door toeval hadden kunnen "
    "ontstaan; geschikt voor heel kleine aantallen.",
    "bootstrap": "Een rekenmethode voor de onzekerheid door de gegevens vele malen opnieuw te trekken.",
    "Monte Carlo-simulatie": "Het vele malen doorrekenen van een jaar met toevallig gekozen aantallen cliënten en "
    "uren, om te zien hoe vaak een uitkomst voorkomt.",
    "ventiel": "Een contractregel die het budget aanpast als het aantal cliënten meer dan een afgesproken "
    "percentage afwijkt van de prognose.",
    "malus": "Een terugbetaling plus boete als een aanbieder minder dan een afgesproken deel van de geïndiceerde "
    "uren levert.",
    "afroming": "Het terugvorderen van een deel van de winst boven een afgesproken percentage.",
    "hazard ratio": "Hoe veel sneller (boven 1) of langzamer (onder 1) een gebeurtenis optreedt in de ene groep dan "
    "in de andere.",
    "Kaplan-Meiercurve": "Een grafiek van het aandeel dat na een bepaalde tijd een gebeurtenis nog niet heeft gehad.",
    "gezinsjaar": "Eén gezin dat één jaar gevolgd is; twee gezinnen die elk een half jaar gevolgd zijn, zijn samen "
    "ook één gezinsjaar. Een aantal per gezinsjaar vergelijkt groepen die verschillend lang gevolgd zijn.",
    "mediaan": "De middelste waarde als je alle waarden op volgorde zet; één uitschieter verandert haar nauwelijks.",
    "prijspeil": "Het jaar waarvan de prijzen worden gebruikt; bedragen in latere jaren zijn niet voor inflatie "
    "verhoogd (geïndexeerd) tenzij dat erbij staat.",
    "terugtoets": "Het model alleen laten rekenen met oudere jaren en de voorspelling vergelijken met wat er daarna "
    "werkelijk gebeurde.",
}


# English method names used as such in Dutch reports (there is no Dutch word in use). They are marked lang="en"
# wherever they appear (WCAG 3.1.2 language of parts: a screen reader pronounces them in English): in Markdown by the
# render's pandoc filter (report/templates/lang-en.lua), in HTML we write ourselves by ``mark_english_html``. The
# render refuses a report in which one is left unmarked (``analysis.report.accessibility``).
ENGLISH_TERMS = (
    "random walk",
    "reliable change index",
    "hazard ratio",
    "hazard",
    "difference-in-differences",
    "funnel plot",
    "event study",
    "back-test",
    "peer group",
)
_ENGLISH_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in ENGLISH_TERMS) + r")(?![\w-])",
    re.IGNORECASE,
)


def mark_english(text: str, template: str) -> str:
    """Put each English term of ``text`` into ``template`` ('{}' is the term as written)."""
    return _ENGLISH_RE.sub(lambda m: template.format(m.group(1)), text)


def mark_english_html(escaped_text: str) -> str:
    """Wrap the English terms in already escaped HTML text in <span lang="en">."""
    return mark_english(escaped_text, '<span lang="en">{}</span>')


def find_english(text: str) -> list[str]:
    """The English terms in a piece of text (lower case)."""
    return [" ".join(m.group(1).lower().split()) for m in _ENGLISH_RE.finditer(text)]


def glossary(terms) -> list[tuple[str, str]]:
    """(term, definition) for the given terms, in alphabetical order; unknown terms are an error."""
    missing = [t for t in terms if t not in GLOSSARY]
    if missing:
        raise KeyError(f"no glossary entry for {missing}; add them to analysis.labels.GLOSSARY")
    return sorted(((t, GLOSSARY[t]) for t in set(terms)), key=lambda x: x[0].lower())


# ------------------------------------------------------------------------------------------------ reference figures

# The reference tables describe each figure in English (as curated); the report shows these Dutch descriptions.
REFERENCE_MEASURES = {
    "75+ prognosis": "Prognose aantal 75-plussers",
    "inhabitants prognosis": "Prognose aantal inwoners",
    "single-person households": "Eenpersoonshuishoudens",
    "single persons aged 75+": "Alleenstaande 75-plussers",
    "single persons aged 65+": "Alleenstaande 65-plussers",
    "single women 65+ / single men 65+": "Alleenstaande vrouwen / mannen van 65+",
    "share single-person households": "Aandeel eenpersoonshuishoudens",
    "independently living 75+ receiving >=4h/week mantelzorg": "Zelfstandig wonende 75-plussers met minstens 4 uur "
    "mantelzorg per week",
    "potential carers (50-75) per person 85+": "Potentiële mantelzorgers (50-75 jaar) per 85-plusser",
    "share of 75+ receiving mantelzorg": "Aandeel 75-plussers dat mantelzorg krijgt",
    "growth Wmo HH clients in first year of abonnementstarief": "Groei HH-cliënten in het eerste jaar van het "
    "abonnementstarief",
    "growth Wmo HH clients": "Groei HH-cliënten",
    "growth HH clients, gross income >EUR 40k": "Groei HH-cliënten, bruto-inkomen boven € 40.000",
    "growth HH clients, income EUR 20-40k": "Groei HH-cliënten, inkomen € 20.000-40.000",
    "growth HH clients, income <EUR 20k": "Groei HH-cliënten, inkomen onder € 20.000",
}


def reference_measure(measure: str) -> str:
    if measure not in REFERENCE_MEASURES:
        raise KeyError(f"no Dutch description of reference figure {measure!r}; add it to analysis.labels")
    return REFERENCE_MEASURES[measure]


def dutch_figure_text(value: str) -> str:
    """A curated figure as written in the reference table ('230000 -> ~390000 (+70%)') in Dutch notation
    ('230.000 naar circa 390.000 (+70%)'): arrows become 'naar', '~' 'circa', '.' decimals ','."""
    from analysis.formatting import number

    s = str(value)
    for en, nl in _VALUE_PHRASES.items():
        s = s.replace(en, nl)
    s = s.replace("->", " naar ").replace("→", " naar ")
    s = re.sub(r"~\s*", "circa ", s)
    s = s.replace(" / ", " / ").replace('""', '"')

    def num(m: re.Match) -> str:
        txt = m.group(0)
        if "." in txt:
            whole, dec = txt.split(".")
            if len(dec) == 3 and len(whole) <= 3:  # '10.000' is already a Dutch thousands separator
                return txt
            return number(float(txt), len(dec))
        v = int(txt)
        return txt if 1900 <= v <= 2100 else number(v)

    s = re.sub(r"(?<![\d.,])\d+(?:\.\d+)?(?![\d])", num, s)
    return re.sub(r"\s+", " ", s).strip()


_VALUE_PHRASES = {" of pop.": " van de bevolking", " vs now": " ten opzichte van nu", " vs ": " ten opzichte van "}
_SOURCE_PHRASES = {
    "(unattributed prognosis)": "(prognose zonder bronvermelding)",
    "ch.4": "hoofdstuk 4",
    "(2015 ed.)": "(editie 2015)",
    "(Nov 2019)": "(november 2019)",
    "prognosis reported by": "prognose, gemeld door",
    "CBS figures": "CBS-cijfers",
}


def dutch_source(source: str) -> str:
    """A curated source line in Dutch: English remarks translated, a 'd-m-yyyy' date written out."""
    from analysis.formatting import date, month

    s = str(source).split(" via ")[0].split(" cited by ")[0].strip()
    s = re.sub(r"\(CBS figures;[^)]*\)", "(CBS-cijfers)", s)
    for en, nl in _SOURCE_PHRASES.items():
        s = s.replace(en, nl)
    s = re.sub(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", lambda m: date(f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"), s)
    s = re.sub(r"\b(\d{4})-(\d{2})\b(?!-)", lambda m: month(f"{m[1]}-{m[2]}-01"), s)
    return s


def dutch_period(period: str) -> str:
    """'2019 -> 2039' -> '2019 tot 2039'; 'n.d. (~2020)' -> 'jaar onbekend (circa 2020)'."""
    s = str(period).replace("n.d.", "jaar onbekend").replace("->", " tot ").replace("→", " tot ")
    s = s.replace(" vs ", " ten opzichte van ")
    s = re.sub(r"~\s*", "circa ", s)
    s = s.replace("1e halfjaar", "eerste halfjaar").replace("2e halfjaar", "tweede halfjaar")
    return re.sub(r"\s+", " ", s).strip()
