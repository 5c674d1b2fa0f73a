"""The Slack bot's own sentences, in sv, fi, da, nb and en.

They belong in the message catalog (assistant/messages.yaml) under `slack:`;
until they are moved there they live here. `s(key, lang)` prefers the catalog
(`slack.<key>`), so moving them needs no code change: once the catalog has a
key, this dict's entry is unused and can be deleted.
"""

from __future__ import annotations

from typing import Any

from assistant.i18n import has, t
from assistant.language import SUPPORTED

STRINGS: dict[str, dict[str, str]] = {
    "apology": {
        "sv": "Förlåt, något gick fel när jag skulle svara. Försök igen om en stund.",
        "fi": "Pahoittelut, jokin meni vikaan vastatessani. Yritä hetken kuluttua uudelleen.",
        "da": "Beklager, noget gik galt, da jeg skulle svare. Prøv igen om lidt.",
        "nb": "Beklager, noe gikk galt da jeg skulle svare. Prøv igjen om litt.",
        "en": "Sorry, something went wrong while I was answering. Please try again in a moment.",
    },
    "help": {
        "sv": "Fråga mig om att outsourca kundservice:\n• `/outsourcing <fråga>` – ett svar bara till dig\n"
              "• `/outsourcing checklista` – checklistan för upphandlingen i en tråd\n"
              "• `/outsourcing bemanning 300 samtal per timme hanteringstid 4 min 80/20` – bemanningsberäkning\n"
              "Du kan också nämna mig i en kanal eller skicka ett direktmeddelande.",
        "fi": "Kysy minulta asiakaspalvelun ulkoistamisesta:\n• `/outsourcing <kysymys>` – vastaus vain sinulle\n"
              "• `/outsourcing tarkistuslista` – hankinnan tarkistuslista ketjussa\n"
              "• `/outsourcing henkilöstö 300 puhelua/h käsittelyaika 4 min 80/20` – henkilöstömitoitus\n"
              "Voit myös mainita minut kanavalla tai lähettää yksityisviestin.",
        "da": "Spørg mig om outsourcing af kundeservice:\n• `/outsourcing <spørgsmål>` – et svar kun til dig\n"
              "• `/outsourcing tjekliste` – tjeklisten til udbuddet i en tråd\n"
              "• `/outsourcing bemanding 300 opkald i timen behandlingstid 4 min 80/20` – bemandingsberegning\n"
              "Du kan også nævne mig i en kanal eller sende mig en direkte besked.",
        "nb": "Spør meg om outsourcing av kundeservice:\n• `/outsourcing <spørsmål>` – et svar bare til deg\n"
              "• `/outsourcing sjekkliste` – sjekklisten for anskaffelsen i en tråd\n"
              "• `/outsourcing bemanning 300 anrop i timen behandlingstid 4 min 80/20` – bemanningsberegning\n"
              "Du kan også nevne meg i en kanal eller sende meg en direktemelding.",
        "en": "Ask me about outsourcing customer service:\n• `/outsourcing <question>` – an answer just for you\n"
              "• `/outsourcing checklist` – the procurement checklist in a thread\n"
              "• `/outsourcing staffing 300 calls/h aht 4 min 80/20` – a staffing calculation\n"
              "You can also mention me in a channel or send me a direct message.",
    },
    "share_button": {
        "sv": "Dela i kanalen", "fi": "Jaa kanavalle", "da": "Del i kanalen", "nb": "Del i kanalen",
        "en": "Share in channel",
    },
    "shared_question": {
        "sv": "{user} frågade: {question}", "fi": "{user} kysyi: {question}", "da": "{user} spurgte: {question}",
        "nb": "{user} spurte: {question}", "en": "{user} asked: {question}",
    },
    "checklist_started": {
        "sv": "{user} startade checklistan för upphandlingen. Svara i tråden här under.",
        "fi": "{user} aloitti hankinnan tarkistuslistan. Vastaa alla olevaan ketjuun.",
        "da": "{user} startede tjeklisten til udbuddet. Svar i tråden herunder.",
        "nb": "{user} startet sjekklisten for anskaffelsen. Svar i tråden under.",
        "en": "{user} started the procurement checklist. Answer in the thread below.",
    },
    "answer_in_thread": {
        "sv": "Svara genom att skriva i den här tråden.",
        "fi": "Vastaa kirjoittamalla tähän ketjuun.",
        "da": "Svar ved at skrive i denne tråd.",
        "nb": "Svar ved å skrive i denne tråden.",
        "en": "Answer by replying in this thread.",
    },
    "answered": {
        "sv": "{user} svarade: {answer}", "fi": "{user} vastasi: {answer}", "da": "{user} svarede: {answer}",
        "nb": "{user} svarte: {answer}", "en": "{user} answered: {answer}",
    },
    "skipped": {
        "sv": "{user} hoppade över frågan.", "fi": "{user} ohitti kysymyksen.", "da": "{user} sprang spørgsmålet over.",
        "nb": "{user} hoppet over spørsmålet.", "en": "{user} skipped this question.",
    },
    "went_back": {
        "sv": "{user} gick tillbaka en fråga.", "fi": "{user} palasi edelliseen kysymykseen.",
        "da": "{user} gik et spørgsmål tilbage.", "nb": "{user} gikk ett spørsmål tilbake.",
        "en": "{user} went back one question.",
    },
    "stale": {
        "sv": "Den frågan är redan besvarad – fortsätt med det senaste steget i tråden.",
        "fi": "Tähän kysymykseen on jo vastattu – jatka ketjun viimeisimmästä vaiheesta.",
        "da": "Det spørgsmål er allerede besvaret – fortsæt med det seneste trin i tråden.",
        "nb": "Det spørsmålet er allerede besvart – fortsett med det siste steget i tråden.",
        "en": "That question has already been answered – continue with the latest step in the thread.",
    },
    "not_in_channel": {
        "sv": "Jag kan inte skriva i den här kanalen än. Bjud in mig med `/invite` och försök igen.",
        "fi": "En voi vielä kirjoittaa tälle kanavalle. Kutsu minut komennolla `/invite` ja yritä uudelleen.",
        "da": "Jeg kan ikke skrive i denne kanal endnu. Inviter mig med `/invite`, og prøv igen.",
        "nb": "Jeg kan ikke skrive i denne kanalen ennå. Inviter meg med `/invite` og prøv igjen.",
        "en": "I can't post in this channel yet. Invite me with `/invite` and try again.",
    },
    "submit": {"sv": "Skicka", "fi": "Lähetä", "da": "Send", "nb": "Send", "en": "Submit"},
    # Labels of tool results shown as section fields.
    "label.agents": {"sv": "Agenter", "fi": "Agentit", "da": "Agenter", "nb": "Agenter", "en": "Agents"},
    "label.scheduled_fte": {
        "sv": "Schemalagda personer", "fi": "Vuoroihin tarvittavat henkilöt", "da": "Planlagte personer",
        "nb": "Planlagte personer", "en": "Scheduled staff",
    },
    "label.monthly_fte": {
        "sv": "Årsarbetskrafter", "fi": "Henkilötyövuodet", "da": "Årsværk", "nb": "Årsverk", "en": "FTE",
    },
    "label.asa_seconds": {
        "sv": "Genomsnittlig väntetid", "fi": "Keskimääräinen jonotusaika", "da": "Gennemsnitlig ventetid",
        "nb": "Gjennomsnittlig ventetid", "en": "Average wait",
    },
    "label.occupancy": {"sv": "Beläggning", "fi": "Kuormitus", "da": "Belægning", "nb": "Belegg", "en": "Occupancy"},
    "label.in_house_monthly": {
        "sv": "Egen regi per månad", "fi": "Oma toiminta kuukaudessa", "da": "Egen drift pr. måned",
        "nb": "Egen drift per måned", "en": "In-house per month",
    },
    "label.offer_monthly": {
        "sv": "{name} per månad", "fi": "{name} kuukaudessa", "da": "{name} pr. måned", "nb": "{name} per måned",
        "en": "{name} per month",
    },
    "label.savings": {
        "sv": "Besparing på {months} månader", "fi": "Säästö {months} kuukaudessa", "da": "Besparelse over {months} måneder",
        "nb": "Besparelse over {months} måneder", "en": "Savings over {months} months",
    },
    "label.break_even": {
        "sv": "Break-even (månad)", "fi": "Takaisinmaksu (kuukausi)", "da": "Break-even (måned)",
        "nb": "Break-even (måned)", "en": "Break-even month",
    },
}

for _key, _entry in STRINGS.items():  # the same guarantee the catalog gives: every language, non-empty
    if set(_entry) != set(SUPPORTED) or not all(v.strip() for v in _entry.values()):
        raise RuntimeError(f"api/slack/text.py: '{_key}' must have all of {', '.join(SUPPORTED)}")


def s(key: str, lang: str, **values: Any) -> str:
    """The Slack sentence `key` in `lang`: from the catalog (`slack.<key>`) when it is there."""
    if has(f"slack.{key}"):
        return t(f"slack.{key}", lang, **values)
    entry = STRINGS[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template
