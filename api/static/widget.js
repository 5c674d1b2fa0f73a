/*!
 * Nordic outsourcing assistant – embeddable chat widget.
 *
 * One script tag on any page:
 *   <script src="https://host/widget.js" data-api="https://host" data-lang="sv" async></script>
 *
 * Options (data attributes on the script tag, or on a hand-placed <nordic-assistant> element):
 *   data-api       API base URL ("" = same origin as the page; absent = origin of widget.js)
 *   data-lang      sv | fi | da | nb | en (else <html lang>, else the browser's language, else en)
 *   data-accent    accent colour (any CSS colour)
 *   data-position  right (default) | left
 *   data-title     panel title
 *   data-open      "true" opens the panel on load
 * Theming from the page's CSS: set custom properties on the element, e.g.
 *   nordic-assistant { --na-accent: #0b6e4f; --na-font: "Inter", sans-serif; --na-radius: 12px; }
 *
 * Plain modern JavaScript; no build step and no dependencies. Everything lives in a shadow root,
 * so the page's CSS can't break the widget and the widget's CSS can't leak into the page.
 */
(() => {
  'use strict';

  const TAG = 'nordic-assistant';
  if (typeof window === 'undefined' || !window.customElements || !window.fetch || !Element.prototype.attachShadow) return;

  const SCRIPT = document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src)) || null;
  const LANGS = ['sv', 'fi', 'da', 'nb', 'en'];
  const LOCALES = { sv: 'sv-SE', fi: 'fi-FI', da: 'da-DK', nb: 'nb-NO', en: 'en-GB' };

  // ------------------------------------------------------------------ UI strings (the widget's own chrome)
  const I18N = {
    en: {
      title: 'Outsourcing assistant', subtitle: 'Answers with sources from Nordic articles',
      open: 'Open the chat', close: 'Close the chat', newChat: 'New conversation',
      placeholder: 'Ask about outsourcing customer service…', input: 'Your message', send: 'Send',
      you: 'You', bot: 'Assistant', thinking: 'The assistant is writing…',
      welcome: 'Hi! I answer questions about outsourcing customer service – with sources – calculate staffing and costs, and guide you through a 10-step procurement checklist.',
      sources: 'Sources', source: 'Source', checklist: 'Procurement checklist', step: 'Step {n} of {total}',
      progress: '{done}/{total} steps done', completed: 'Checklist complete', skip: 'Skip', back: 'Back',
      confirm: 'Answer', download: 'Download brief', briefFile: 'procurement-brief.md', retry: 'Try again',
      loading: 'Loading the conversation…', disclaimer: 'Answers are based on five Nordic articles. Check the sources.',
      staffing: 'Staffing (Erlang C)', agents: 'Agents needed', fte: 'Scheduled FTE', serviceLevel: 'Service level',
      asa: 'Average speed of answer', occupancy: 'Occupancy', contacts: 'Contacts', traffic: 'Traffic (Erlang)',
      costs: 'Cost comparison', inHouse: 'In-house', offer: 'Offer {n}', monthly: 'Per month', total: 'Total, {m} months',
      savings: 'Savings', breakEven: 'Break-even', monthN: 'month {n}', never: 'never', cheapest: 'Cheapest',
      errNetwork: "Couldn't reach the assistant. Check your connection and try again.",
      errRate: 'Too many messages right now. Please wait {s} seconds and try again.',
      errStarting: 'The assistant is starting up. Please try again in a moment.',
      errTooLong: 'That message is too long. Please shorten it and try again.',
      errInvalid: "I couldn't process that. Please rephrase and try again.",
      errServer: 'Something went wrong on our side. Please try again.',
      errBrief: "Couldn't download the brief. Please try again.",
      errInterrupted: 'The answer was interrupted. Please try again.',
      langs: { sv: 'Swedish', fi: 'Finnish', da: 'Danish', nb: 'Norwegian', en: 'English' },
      starters: [['Should we start with a pilot?', 'ask'], ['Start the checklist', 'checklist.start'],
        ['Calculate staffing', 'tool.staffing'], ['Compare costs', 'tool.cost_comparison']],
    },
    sv: {
      title: 'Outsourcingassistenten', subtitle: 'Svar med källor från nordiska artiklar',
      open: 'Öppna chatten', close: 'Stäng chatten', newChat: 'Ny konversation',
      placeholder: 'Fråga om att lägga ut kundtjänst…', input: 'Ditt meddelande', send: 'Skicka',
      you: 'Du', bot: 'Assistenten', thinking: 'Assistenten skriver…',
      welcome: 'Hej! Jag svarar på frågor om att lägga ut kundtjänst – med källor – räknar bemanning och kostnader och guidar er genom en upphandlingschecklista i tio steg.',
      sources: 'Källor', source: 'Källa', checklist: 'Upphandlingschecklista', step: 'Steg {n} av {total}',
      progress: '{done}/{total} steg klara', completed: 'Checklistan är klar', skip: 'Hoppa över', back: 'Tillbaka',
      confirm: 'Svara', download: 'Ladda ner underlaget', briefFile: 'upphandlingsunderlag.md', retry: 'Försök igen',
      loading: 'Hämtar konversationen…', disclaimer: 'Svaren bygger på fem nordiska artiklar. Kontrollera källorna.',
      staffing: 'Bemanning (Erlang C)', agents: 'Agenter som behövs', fte: 'Schemalagda heltidstjänster',
      serviceLevel: 'Servicenivå', asa: 'Genomsnittlig svarstid', occupancy: 'Beläggning', contacts: 'Kontakter',
      traffic: 'Trafik (erlang)', costs: 'Kostnadsjämförelse', inHouse: 'Egen regi', offer: 'Offert {n}',
      monthly: 'Per månad', total: 'Totalt, {m} mån', savings: 'Besparing', breakEven: 'Break-even',
      monthN: 'månad {n}', never: 'aldrig', cheapest: 'Billigast',
      errNetwork: 'Kunde inte nå assistenten. Kontrollera anslutningen och försök igen.',
      errRate: 'För många meddelanden just nu. Vänta {s} sekunder och försök igen.',
      errStarting: 'Assistenten startar. Försök igen om en liten stund.',
      errTooLong: 'Meddelandet är för långt. Korta ner det och försök igen.',
      errInvalid: 'Det där kunde jag inte behandla. Formulera om och försök igen.',
      errServer: 'Något gick fel hos oss. Försök igen.',
      errBrief: 'Underlaget kunde inte laddas ner. Försök igen.',
      errInterrupted: 'Svaret avbröts. Försök igen.',
      langs: { sv: 'svenska', fi: 'finska', da: 'danska', nb: 'norska', en: 'engelska' },
      starters: [['Ska vi börja med ett pilotprojekt?', 'ask'], ['Starta checklistan', 'checklist.start'],
        ['Räkna bemanning', 'tool.staffing'], ['Jämför kostnader', 'tool.cost_comparison']],
    },
    fi: {
      title: 'Ulkoistusavustaja', subtitle: 'Vastaukset lähteineen pohjoismaisista artikkeleista',
      open: 'Avaa chat', close: 'Sulje chat', newChat: 'Uusi keskustelu',
      placeholder: 'Kysy asiakaspalvelun ulkoistamisesta…', input: 'Viestisi', send: 'Lähetä',
      you: 'Sinä', bot: 'Avustaja', thinking: 'Avustaja kirjoittaa…',
      welcome: 'Hei! Vastaan lähteineen kysymyksiin asiakaspalvelun ulkoistamisesta, lasken henkilöstötarpeen ja kustannukset ja opastan teidät kymmenvaiheisen hankintalistan läpi.',
      sources: 'Lähteet', source: 'Lähde', checklist: 'Hankinnan tarkistuslista', step: 'Vaihe {n}/{total}',
      progress: '{done}/{total} vaihetta valmiina', completed: 'Tarkistuslista on valmis', skip: 'Ohita', back: 'Takaisin',
      confirm: 'Vastaa', download: 'Lataa hankinta-asiakirja', briefFile: 'hankinta-asiakirja.md', retry: 'Yritä uudelleen',
      loading: 'Haetaan keskustelua…', disclaimer: 'Vastaukset perustuvat viiteen pohjoismaiseen artikkeliin. Tarkista lähteet.',
      staffing: 'Henkilöstömitoitus (Erlang C)', agents: 'Tarvittavat agentit', fte: 'Aikataulutetut henkilötyövuodet',
      serviceLevel: 'Palvelutaso', asa: 'Keskimääräinen vastausaika', occupancy: 'Käyttöaste', contacts: 'Yhteydenotot',
      traffic: 'Liikenne (erlang)', costs: 'Kustannusvertailu', inHouse: 'Oma toiminta', offer: 'Tarjous {n}',
      monthly: 'Kuukaudessa', total: 'Yhteensä, {m} kk', savings: 'Säästö', breakEven: 'Takaisinmaksu',
      monthN: 'kuukausi {n}', never: 'ei koskaan', cheapest: 'Edullisin',
      errNetwork: 'Avustajaan ei saatu yhteyttä. Tarkista yhteys ja yritä uudelleen.',
      errRate: 'Liikaa viestejä juuri nyt. Odota {s} sekuntia ja yritä uudelleen.',
      errStarting: 'Avustaja käynnistyy. Yritä hetken kuluttua uudelleen.',
      errTooLong: 'Viesti on liian pitkä. Lyhennä sitä ja yritä uudelleen.',
      errInvalid: 'En pystynyt käsittelemään viestiä. Muotoile se toisin ja yritä uudelleen.',
      errServer: 'Jotain meni vikaan meidän päässämme. Yritä uudelleen.',
      errBrief: 'Hankinta-asiakirjan lataus epäonnistui. Yritä uudelleen.',
      errInterrupted: 'Vastaus keskeytyi. Yritä uudelleen.',
      langs: { sv: 'ruotsi', fi: 'suomi', da: 'tanska', nb: 'norja', en: 'englanti' },
      starters: [['Kannattaako aloittaa pilotilla?', 'ask'], ['Aloita tarkistuslista', 'checklist.start'],
        ['Laske henkilöstötarve', 'tool.staffing'], ['Vertaa kustannuksia', 'tool.cost_comparison']],
    },
    da: {
      title: 'Outsourcingassistenten', subtitle: 'Svar med kilder fra nordiske artikler',
      open: 'Åbn chatten', close: 'Luk chatten', newChat: 'Ny samtale',
      placeholder: 'Spørg om outsourcing af kundeservice…', input: 'Din besked', send: 'Send',
      you: 'Dig', bot: 'Assistenten', thinking: 'Assistenten skriver…',
      welcome: 'Hej! Jeg svarer på spørgsmål om outsourcing af kundeservice – med kilder – beregner bemanding og omkostninger og guider jer gennem en udbudstjekliste i ti trin.',
      sources: 'Kilder', source: 'Kilde', checklist: 'Udbudstjekliste', step: 'Trin {n} af {total}',
      progress: '{done}/{total} trin færdige', completed: 'Tjeklisten er færdig', skip: 'Spring over', back: 'Tilbage',
      confirm: 'Svar', download: 'Hent udbudsmaterialet', briefFile: 'udbudsmateriale.md', retry: 'Prøv igen',
      loading: 'Henter samtalen…', disclaimer: 'Svarene bygger på fem nordiske artikler. Tjek kilderne.',
      staffing: 'Bemanding (Erlang C)', agents: 'Nødvendige agenter', fte: 'Planlagte årsværk',
      serviceLevel: 'Serviceniveau', asa: 'Gennemsnitlig svartid', occupancy: 'Belægning', contacts: 'Henvendelser',
      traffic: 'Trafik (erlang)', costs: 'Omkostningssammenligning', inHouse: 'Egen drift', offer: 'Tilbud {n}',
      monthly: 'Pr. måned', total: 'I alt, {m} md.', savings: 'Besparelse', breakEven: 'Break-even',
      monthN: 'måned {n}', never: 'aldrig', cheapest: 'Billigst',
      errNetwork: 'Kunne ikke få forbindelse til assistenten. Tjek forbindelsen, og prøv igen.',
      errRate: 'For mange beskeder lige nu. Vent {s} sekunder, og prøv igen.',
      errStarting: 'Assistenten starter op. Prøv igen om et øjeblik.',
      errTooLong: 'Beskeden er for lang. Gør den kortere, og prøv igen.',
      errInvalid: 'Det kunne jeg ikke behandle. Omformuler, og prøv igen.',
      errServer: 'Noget gik galt hos os. Prøv igen.',
      errBrief: 'Udbudsmaterialet kunne ikke hentes. Prøv igen.',
      errInterrupted: 'Svaret blev afbrudt. Prøv igen.',
      langs: { sv: 'svensk', fi: 'finsk', da: 'dansk', nb: 'norsk', en: 'engelsk' },
      starters: [['Skal vi starte med et pilotprojekt?', 'ask'], ['Start tjeklisten', 'checklist.start'],
        ['Beregn bemanding', 'tool.staffing'], ['Sammenlign omkostninger', 'tool.cost_comparison']],
    },
    nb: {
      title: 'Outsourcingassistenten', subtitle: 'Svar med kilder fra nordiske artikler',
      open: 'Åpne chatten', close: 'Lukk chatten', newChat: 'Ny samtale',
      placeholder: 'Spør om outsourcing av kundeservice…', input: 'Meldingen din', send: 'Send',
      you: 'Du', bot: 'Assistenten', thinking: 'Assistenten skriver…',
      welcome: 'Hei! Jeg svarer på spørsmål om outsourcing av kundeservice – med kilder – regner ut bemanning og kostnader og guider dere gjennom en anskaffelsessjekkliste i ti steg.',
      sources: 'Kilder', source: 'Kilde', checklist: 'Anskaffelsessjekkliste', step: 'Steg {n} av {total}',
      progress: '{done}/{total} steg ferdige', completed: 'Sjekklisten er ferdig', skip: 'Hopp over', back: 'Tilbake',
      confirm: 'Svar', download: 'Last ned grunnlaget', briefFile: 'anskaffelsesgrunnlag.md', retry: 'Prøv igjen',
      loading: 'Henter samtalen…', disclaimer: 'Svarene bygger på fem nordiske artikler. Sjekk kildene.',
      staffing: 'Bemanning (Erlang C)', agents: 'Agenter som trengs', fte: 'Planlagte årsverk',
      serviceLevel: 'Servicenivå', asa: 'Gjennomsnittlig svartid', occupancy: 'Belegg', contacts: 'Henvendelser',
      traffic: 'Trafikk (erlang)', costs: 'Kostnadssammenligning', inHouse: 'Egen drift', offer: 'Tilbud {n}',
      monthly: 'Per måned', total: 'Totalt, {m} mnd.', savings: 'Besparelse', breakEven: 'Break-even',
      monthN: 'måned {n}', never: 'aldri', cheapest: 'Billigst',
      errNetwork: 'Fikk ikke kontakt med assistenten. Sjekk tilkoblingen og prøv igjen.',
      errRate: 'For mange meldinger akkurat nå. Vent {s} sekunder og prøv igjen.',
      errStarting: 'Assistenten starter opp. Prøv igjen om et øyeblikk.',
      errTooLong: 'Meldingen er for lang. Gjør den kortere og prøv igjen.',
      errInvalid: 'Det klarte jeg ikke å behandle. Omformuler og prøv igjen.',
      errServer: 'Noe gikk galt hos oss. Prøv igjen.',
      errBrief: 'Grunnlaget kunne ikke lastes ned. Prøv igjen.',
      errInterrupted: 'Svaret ble avbrutt. Prøv igjen.',
      langs: { sv: 'svensk', fi: 'finsk', da: 'dansk', nb: 'norsk', en: 'engelsk' },
      starters: [['Bør vi starte med et pilotprosjekt?', 'ask'], ['Start sjekklisten', 'checklist.start'],
        ['Regn ut bemanning', 'tool.staffing'], ['Sammenlign kostnader', 'tool.cost_comparison']],
    },
  };

  // A suggestion names the action its button performs (never a text to match). Skip, back and
  // download are the checklist strip's own buttons while the checklist is on screen.
  const STRIP_ACTIONS = ['checklist.skip', 'checklist.back', 'checklist.export'];

  function normLang(value) {
    if (!value) return null;
    const primary = String(value).trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'no' || primary === 'nn' || primary === 'nb') return 'nb';
    return LANGS.includes(primary) ? primary : null;
  }

  function pickLanguage(explicit) {
    const candidates = [explicit, document.documentElement.getAttribute('lang')];
    const nav = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (const c of candidates.concat(nav)) {
      const lang = normLang(c);
      if (lang) return lang;
    }
    return 'en';
  }

  const fill = (template, values) => String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

  // ------------------------------------------------------------------ safe Markdown
  const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const SAFE_URL = /^https?:\/\/[^\s]+$/i;

  /** Inline Markdown of one block: the text is escaped first; only fixed tags are added. */
  function renderInline(src, opts) {
    const slots = [];
    const slot = (html) => '\u0000' + (slots.push(html) - 1) + '\u0000';
    let s = String(src).replace(/[\u0000]/g, '');
    s = s.replace(/`([^`\n]+)`/g, (_, code) => slot('<code>' + esc(code) + '</code>'));
    s = s.replace(/\[([^[\]\n]+)\]\(\s*<?([^()\s<>]+)>?\s*\)/g, (m, text, url) => (SAFE_URL.test(url)
      ? slot('<a href="' + esc(url) + '" target="_blank" rel="noopener noreferrer">' + renderInline(text, {}) + '</a>')
      : m));
    s = s.replace(/\bhttps?:\/\/[^\s<>"'`]+/gi, (url) => {
      const trail = (url.match(/[.,;:!?)\]*_]+$/) || [''])[0];
      const href = trail ? url.slice(0, -trail.length) : url;
      return slot('<a href="' + esc(href) + '" target="_blank" rel="noopener noreferrer">' + esc(href) + '</a>') + trail;
    });
    if (opts && opts.cites && opts.cites.size) {
      s = s.replace(/\[(\d{1,3})\]/g, (m, n) => (opts.cites.has(Number(n))
        ? slot('<button type="button" class="cite" data-cite="' + Number(n) + '" aria-label="' +
          esc((opts.citeLabel || 'Source') + ' ' + n) + '">' + Number(n) + '</button>')
        : m));
    }
    s = esc(s)
      .replace(/\*\*(\S(?:[^\n]*?\S)?)\*\*/g, '<strong>$1</strong>')
      .replace(/__(\S(?:[^\n]*?\S)?)__/g, '<strong>$1</strong>')
      .replace(/(^|[^*\w])\*(\S(?:[^*\n]*?\S)?)\*(?!\*)/g, '$1<em>$2</em>')
      .replace(/(^|[^\w])_(\S(?:[^_\n]*?\S)?)_(?!\w)/g, '$1<em>$2</em>')
      .replace(/~~(\S(?:[^\n]*?\S)?)~~/g, '<del>$1</del>');
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => slots[Number(i)]);
  }

  function splitRow(row) {
    let r = row.trim();
    if (r.startsWith('|')) r = r.slice(1);
    if (r.endsWith('|') && !r.endsWith('\\|')) r = r.slice(0, -1);
    const cells = [];
    let cur = '';
    for (let i = 0; i < r.length; i++) {
      if (r[i] === '\\' && r[i + 1] === '|') { cur += '|'; i++; } else if (r[i] === '|') { cells.push(cur); cur = ''; } else cur += r[i];
    }
    cells.push(cur);
    return cells.map((c) => c.trim());
  }

  const RE = {
    fence: /^\s{0,3}(```|~~~)/,
    heading: /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/,
    quote: /^\s{0,3}>\s?/,
    ul: /^\s{0,3}[-*+•]\s+/,
    ol: /^\s{0,3}(\d{1,9})[.)]\s+/,
    hr: /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/,
    row: /^\s*\|.*\|\s*$/,
    sep: /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$/,
  };
  const blank = (l) => !l || !l.trim();
  const startsBlock = (l, next) => RE.fence.test(l) || RE.heading.test(l) || RE.quote.test(l) || RE.hr.test(l) ||
    RE.ul.test(l) || RE.ol.test(l) || (RE.row.test(l) && next !== undefined && RE.sep.test(next));

  /**
   * A small, safe Markdown renderer: paragraphs, **bold**, *italic*, `code`, headings, bullet and
   * numbered lists, blockquotes, tables, code fences, rules and http(s) links. All text is escaped
   * before any tag is added, so no HTML in the input ever reaches the page as markup.
   */
  function renderMarkdown(md, opts = {}) {
    const lines = String(md == null ? '' : md).replace(/\r\n?/g, '\n').split('\n');
    const inline = (t) => renderInline(t, opts);
    const out = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      let m;
      if (blank(line)) { i++; continue; }
      if ((m = line.match(RE.fence))) {
        const buf = [];
        i++;
        while (i < lines.length && !lines[i].trim().startsWith(m[1])) buf.push(lines[i++]);
        i++;
        out.push('<pre><code>' + esc(buf.join('\n')) + '</code></pre>');
        continue;
      }
      if (RE.hr.test(line)) { out.push('<hr>'); i++; continue; }
      if ((m = line.match(RE.heading))) {
        const level = Math.min(6, Math.max(3, m[1].length + 1));
        out.push('<h' + level + '>' + inline(m[2]) + '</h' + level + '>');
        i++;
        continue;
      }
      if (RE.quote.test(line)) {
        const buf = [];
        while (i < lines.length && RE.quote.test(lines[i])) buf.push(lines[i++].replace(RE.quote, ''));
        out.push('<blockquote>' + renderMarkdown(buf.join('\n'), opts) + '</blockquote>');
        continue;
      }
      if (RE.row.test(line) && i + 1 < lines.length && RE.sep.test(lines[i + 1])) {
        const head = splitRow(line);
        const align = splitRow(lines[i + 1]).map((c) => (/^:-+:$/.test(c) ? 'center' : /-:$/.test(c) ? 'right' : ''));
        i += 2;
        const rows = [];
        while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(splitRow(lines[i++]));
        const cell = (tag, text, k) => '<' + tag + (align[k] ? ' class="al-' + align[k] + '"' : '') + '>' + inline(text || '') + '</' + tag + '>';
        out.push('<div class="table-wrap"><table><thead><tr>' + head.map((c, k) => cell('th', c, k)).join('') +
          '</tr></thead><tbody>' + rows.map((r) => '<tr>' + head.map((_, k) => cell('td', r[k], k)).join('') + '</tr>').join('') +
          '</tbody></table></div>');
        continue;
      }
      if (RE.ul.test(line) || RE.ol.test(line)) {
        const ordered = !RE.ul.test(line);
        const itemRe = ordered ? RE.ol : RE.ul;
        const start = ordered ? parseInt(line.match(RE.ol)[1], 10) : 1;
        const items = [];
        while (i < lines.length) {
          const l = lines[i];
          if (itemRe.test(l)) { items.push(l.replace(itemRe, '')); i++; continue; }
          if (blank(l)) {
            let j = i + 1;
            while (j < lines.length && blank(lines[j])) j++;
            if (j < lines.length && itemRe.test(lines[j])) { i = j; continue; }
            break;
          }
          if (startsBlock(l, lines[i + 1]) && !/^\s{2,}/.test(l)) break;
          items[items.length - 1] += '\n' + l.trim();
          i++;
        }
        const tag = ordered ? 'ol' : 'ul';
        out.push('<' + tag + (ordered && start !== 1 ? ' start="' + start + '"' : '') + '>' +
          items.map((it) => '<li>' + inline(it).replace(/\n/g, '<br>') + '</li>').join('') + '</' + tag + '>');
        continue;
      }
      const buf = [line];
      i++;
      while (i < lines.length && !blank(lines[i]) && !startsBlock(lines[i], lines[i + 1])) buf.push(lines[i++]);
      out.push('<p>' + inline(buf.map((l) => l.trim()).join('\n')).replace(/\n/g, '<br>') + '</p>');
    }
    return out.join('');
  }

  // ------------------------------------------------------------------ small DOM helper (text is always text)
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }

  // Static icons (constant markup, never built from data).
  const ICON = {
    chat: '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 3C6.48 3 2 6.94 2 11.8c0 2.5 1.2 4.76 3.13 6.36-.16 1.3-.74 2.6-1.86 3.6 2.3.1 4.2-.74 5.46-1.72.99.24 2.09.38 3.27.38 5.52 0 10-3.94 10-8.8S17.52 3 12 3Zm-4.5 10.3a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3Zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3Zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3Z"/></svg>',
    close: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>',
    reset: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M4 12a8 8 0 1 0 2.35-5.66M4 4v4.5h4.5"/></svg>',
    spark: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 2.5l2.2 6.3 6.3 2.2-6.3 2.2L12 19.5l-2.2-6.3L3.5 11l6.3-2.2zM19 15.5l.9 2.6 2.6.9-2.6.9-.9 2.6-.9-2.6-2.6-.9 2.6-.9z"/></svg>',
    download: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19.5h14"/></svg>',
    back: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M15 5l-7 7 7 7"/></svg>',
    skip: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M9 5l7 7-7 7"/></svg>',
  };
  const icon = (name) => { const s = document.createElement('span'); s.className = 'ico'; s.innerHTML = ICON[name]; return s; };

  // ------------------------------------------------------------------ styles (all inside the shadow root)
  const STYLES = `
:host {
  all: initial !important;
  display: block !important; position: fixed !important; inset: auto 0 0 auto !important;
  width: 0 !important; height: 0 !important; margin: 0 !important; padding: 0 !important; border: 0 !important;
  overflow: visible !important; visibility: visible !important; opacity: 1 !important; transform: none !important;
  filter: none !important; clip-path: none !important; mask: none !important; contain: none !important;
  pointer-events: auto !important; z-index: 2147483000 !important;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --accent: var(--na-accent, #1f5fbf);
  --accent-ink: var(--na-accent-contrast, #ffffff);
  --accent-soft: color-mix(in srgb, var(--accent) 9%, #ffffff);
  --accent-line: color-mix(in srgb, var(--accent) 35%, #ffffff);
  --radius: var(--na-radius, 18px);
  --bg: var(--na-bg, #ffffff);
  --ink: var(--na-text, #18202b);
  --muted: var(--na-muted, #5b6676);
  --line: #e2e6ec;
  --soft: #f4f6f9;
  --font: var(--na-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-family: var(--font); font-size: 14.5px; line-height: 1.5; color: var(--ink);
  font-weight: 400; letter-spacing: normal; text-align: left; direction: ltr;
  -webkit-font-smoothing: antialiased; -webkit-text-size-adjust: 100%;
}
button, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; -webkit-tap-highlight-color: transparent; }
:focus { outline: none; }
:focus-visible { outline: 2.5px solid var(--accent); outline-offset: 2px; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.ico { display: inline-flex; line-height: 0; }

.launcher {
  position: fixed; bottom: 20px; right: 20px; width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center; background: var(--accent); color: var(--accent-ink);
  box-shadow: 0 10px 28px rgba(16, 24, 40, .28), 0 2px 6px rgba(16, 24, 40, .16);
  transition: transform .18s ease, box-shadow .18s ease;
}
.launcher:hover { transform: translateY(-2px) scale(1.04); box-shadow: 0 14px 34px rgba(16, 24, 40, .32); }
.launcher:focus-visible { outline: 3px solid var(--accent); outline-offset: 4px; }
.launcher .when-open { display: none; }
.root.open .launcher .when-open { display: inline-flex; }
.root.open .launcher .when-closed { display: none; }
.root[data-position="left"] .launcher { right: auto; left: 20px; }

.panel {
  position: fixed; bottom: 94px; right: 20px; width: 416px; max-width: calc(100vw - 40px); height: min(680px, calc(100vh - 118px));
  display: flex; flex-direction: column; overflow: hidden; background: var(--bg); color: var(--ink);
  border-radius: var(--radius); border: 1px solid rgba(16, 24, 40, .08);
  box-shadow: 0 28px 70px rgba(16, 24, 40, .26), 0 4px 14px rgba(16, 24, 40, .10);
  transform-origin: bottom right; animation: na-in .2s ease-out;
}
.root[data-position="left"] .panel { right: auto; left: 20px; transform-origin: bottom left; }
@keyframes na-in { from { opacity: 0; transform: translateY(10px) scale(.98); } to { opacity: 1; transform: none; } }

.head {
  display: flex; align-items: center; gap: 11px; padding: 14px 12px 14px 16px;
  background: var(--accent); color: var(--accent-ink);
}
.avatar { flex: none; width: 38px; height: 38px; border-radius: 12px; display: grid; place-items: center;
  background: rgba(255, 255, 255, .18); }
.titles { flex: 1; min-width: 0; }
.titles h2 { margin: 0; font-size: 15.5px; font-weight: 650; line-height: 1.25; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.titles p { margin: 2px 0 0; font-size: 12.5px; opacity: .86; line-height: 1.3; }
.icon-btn { flex: none; width: 36px; height: 36px; border: 0; border-radius: 10px; background: transparent;
  color: inherit; display: grid; place-items: center; padding: 0; opacity: .92; }
.icon-btn:hover { background: rgba(255, 255, 255, .16); opacity: 1; }
.head :focus-visible { outline-color: var(--accent-ink); outline-offset: 0; }

.checklist { padding: 11px 16px 12px; background: var(--accent-soft); border-bottom: 1px solid var(--line); }
.cl-top { display: flex; align-items: center; justify-content: space-between; gap: 10px; font-size: 12px; color: var(--muted); }
.cl-label { font-weight: 650; text-transform: uppercase; letter-spacing: .04em; color: var(--accent); font-size: 11.5px; }
.cl-head { display: flex; align-items: baseline; justify-content: space-between; gap: 10px; margin: 2px 0 7px; }
.cl-title { margin: 0; font-size: 14px; font-weight: 650; line-height: 1.3; }
.cl-count { flex: none; font-size: 12px; color: var(--muted); }
.bar { height: 6px; border-radius: 99px; background: color-mix(in srgb, var(--accent) 16%, #ffffff); overflow: hidden; }
.bar > span { display: block; height: 100%; width: 0; border-radius: inherit; background: var(--accent); transition: width .35s ease; }
.cl-q { margin: 8px 0 0; font-size: 13px; line-height: 1.4; color: var(--ink);
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.cl-actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 9px; }
.mini { display: inline-flex; align-items: center; gap: 4px; border: 1px solid var(--accent-line); background: var(--bg);
  color: var(--accent); border-radius: 8px; padding: 4px 10px 4px 7px; font-size: 12.5px; font-weight: 550; line-height: 1.3; }
.mini:hover { background: color-mix(in srgb, var(--accent) 7%, #ffffff); }
.mini[disabled] { opacity: .5; cursor: default; }
.dl { flex: none; display: inline-flex; align-items: center; gap: 4px; border: 0; background: none; padding: 2px 0; color: var(--accent);
  font-size: 12.5px; font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }
.dl:hover { text-decoration-thickness: 2px; }

.log { position: relative; flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain;
  padding: 16px 14px 18px; background: var(--soft); display: flex; flex-direction: column; gap: 12px; }
.log:focus-visible { outline-offset: -3px; }
.msg { display: flex; flex-direction: column; max-width: 100%; }
.msg.user { align-self: flex-end; align-items: flex-end; max-width: 86%; }
.msg.bot { align-self: flex-start; width: 100%; }
.bubble { border-radius: 16px; padding: 10px 14px; overflow-wrap: anywhere; word-break: normal; }
.msg.user .bubble { background: var(--accent); color: var(--accent-ink); border-bottom-right-radius: 5px; white-space: pre-wrap; }
.msg.bot .bubble { background: var(--bg); border: 1px solid var(--line); border-top-left-radius: 5px; max-width: 100%;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.msg.error .bubble { background: #fff5f3; border-color: #f1c8bf; color: #7d2616; }
.msg.welcome .bubble { background: var(--bg); }

.md > :first-child { margin-top: 0; }
.md > :last-child { margin-bottom: 0; }
.md p { margin: 0 0 8px; }
.md h3, .md h4, .md h5, .md h6 { margin: 12px 0 6px; font-size: 14.5px; line-height: 1.3; font-weight: 650; }
.md h4, .md h5, .md h6 { font-size: 14px; }
.md ul, .md ol { margin: 6px 0 8px; padding-left: 22px; }
.md li { margin: 3px 0; }
.md li::marker { color: var(--accent); }
.md blockquote { margin: 8px 0; padding: 7px 12px; border-left: 3px solid var(--accent); background: var(--soft);
  border-radius: 0 10px 10px 0; color: #344054; font-size: 13.5px; }
.md blockquote p { margin: 0 0 4px; }
.md code { font-family: var(--mono); font-size: 12.5px; background: #eef1f5; border-radius: 5px; padding: 1px 5px; }
.md pre { margin: 8px 0; padding: 10px 12px; background: #0f172a; color: #e2e8f0; border-radius: 10px; overflow-x: auto; }
.md pre code { background: none; padding: 0; color: inherit; }
.md hr { border: 0; border-top: 1px solid var(--line); margin: 12px 0; }
.md a, .link { color: var(--accent); text-decoration: underline; text-underline-offset: 2px; }
.md strong { font-weight: 650; }
.table-wrap { overflow-x: auto; margin: 8px 0; border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; line-height: 1.35; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child > * { border-bottom: 0; }
thead th { background: var(--soft); font-weight: 600; color: #344054; font-size: 12.5px; }
.al-right { text-align: right; } .al-center { text-align: center; }
.cite { display: inline-grid; place-items: center; min-width: 19px; height: 19px; padding: 0 5px; margin: 0 1px;
  border: 0; border-radius: 10px; background: color-mix(in srgb, var(--accent) 13%, #ffffff); color: var(--accent);
  font-size: 11px; font-weight: 700; line-height: 1; vertical-align: 2px; }
.cite:hover { background: var(--accent); color: var(--accent-ink); }
.notice { margin: 8px 0 0; font-size: 12.5px; color: var(--muted); font-style: italic; }

.tool { margin-top: 10px; border: 1px solid var(--line); border-radius: 12px; overflow: hidden; }
.tool-cap { display: flex; align-items: center; gap: 6px; padding: 7px 12px; background: var(--accent-soft);
  font-size: 12px; font-weight: 650; text-transform: uppercase; letter-spacing: .04em; color: var(--accent); }
.tool table { font-size: 13px; }
.tool th[scope="row"] { font-weight: 500; color: #344054; }
.tool .table-wrap { border: 0; border-radius: 0; margin: 0; }
.tool th, .tool td { padding: 6px 9px; }
.tool td, .tool thead th.num { width: 1%; }
.tool td, .tool thead th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tool tr.key td { font-size: 16px; font-weight: 700; color: var(--accent); }
.tool tbody tr:nth-child(even) { background: #fafbfc; }
.tool .neg { color: #b42318; } .tool .pos { color: #067647; }
.badge { display: inline-block; margin-left: 4px; padding: 1px 6px; border-radius: 99px; background: #dcfae6; color: #067647;
  font-size: 10.5px; font-weight: 650; text-transform: none; letter-spacing: 0; vertical-align: 1px; }

.sources { margin-top: 10px; padding-top: 9px; border-top: 1px dashed var(--line); }
.sources-h { margin: 0 0 6px; font-size: 11.5px; font-weight: 650; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
details.src { border: 1px solid var(--line); border-radius: 10px; margin: 6px 0 0; background: #fbfcfd; }
details.src[open] { background: var(--bg); }
details.src > summary { list-style: none; cursor: pointer; display: flex; align-items: baseline; gap: 8px;
  padding: 7px 10px; font-size: 13px; line-height: 1.35; border-radius: 10px; }
details.src > summary::-webkit-details-marker { display: none; }
details.src > summary::after { content: ""; flex: none; margin-left: auto; width: 7px; height: 7px; align-self: center;
  border-right: 2px solid var(--muted); border-bottom: 2px solid var(--muted); transform: rotate(45deg) translateY(-2px); transition: transform .15s; }
details.src[open] > summary::after { transform: rotate(-135deg) translateY(-2px); }
details.src > summary:hover { background: var(--soft); }
.src-n { flex: none; color: var(--accent); font-weight: 700; font-variant-numeric: tabular-nums; }
.src-t { font-weight: 600; }
.src-l { color: var(--muted); font-weight: 400; }
.src-body { padding: 2px 12px 11px; }
.src-h { margin: 0 0 5px; font-size: 12px; color: var(--muted); }
.src-q { margin: 0; padding: 2px 0 2px 11px; border-left: 3px solid var(--accent-line); font-size: 13px; line-height: 1.5;
  color: #344054; white-space: pre-wrap; }

.extras:empty { display: none; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 9px; }
.chip { border: 1px solid var(--accent-line); background: var(--bg); color: var(--accent); border-radius: 999px;
  padding: 6px 12px; font-size: 13px; font-weight: 550; line-height: 1.3; text-align: left; max-width: 100%; }
.chip:hover { background: color-mix(in srgb, var(--accent) 8%, #ffffff); }
.chip[aria-pressed="true"] { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.chip.primary { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.chip[disabled] { opacity: .5; cursor: default; }
.busy .chips .chip, .busy .mini, .busy .dl { pointer-events: none; opacity: .55; }

.typing { display: inline-flex; gap: 4px; padding: 4px 0; }
.typing span { width: 7px; height: 7px; border-radius: 50%; background: var(--accent); opacity: .35; animation: na-dot 1.1s infinite ease-in-out; }
.typing span:nth-child(2) { animation-delay: .15s; } .typing span:nth-child(3) { animation-delay: .3s; }
@keyframes na-dot { 0%, 80%, 100% { opacity: .3; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-3px); } }
.loading { align-self: center; font-size: 12.5px; color: var(--muted); }

.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 8px; background: var(--bg); border-top: 1px solid var(--line); }
.composer textarea { flex: 1; min-width: 0; resize: none; min-height: 44px; max-height: 132px; margin: 0; padding: 11px 13px;
  border: 1px solid #cfd5de; border-radius: 12px; background: var(--bg); font-size: 14.5px; line-height: 1.4; color: var(--ink); display: block; }
.composer textarea::placeholder { color: #8a94a3; opacity: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.composer textarea:focus { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 18%, transparent); }
.composer textarea:focus-visible { outline: none; }
.send { flex: none; width: 44px; height: 44px; border: 0; border-radius: 12px; display: grid; place-items: center;
  background: var(--accent); color: var(--accent-ink); padding: 0; transition: opacity .15s; }
.send[disabled] { opacity: .4; cursor: default; }
.foot { margin: 0; padding: 0 14px 9px; background: var(--bg); font-size: 11px; color: #7b8594; text-align: center; }

@media (max-width: 480px), (max-height: 520px) {
  .panel { inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; border-radius: 0; border: 0; bottom: 0; right: 0; }
  .root[data-position="left"] .panel { left: 0; }
  .root.open .launcher { display: none; }
  .avatar { display: none; }
  .launcher { bottom: 16px; right: 16px; }
  .root[data-position="left"] .launcher { left: 16px; }
  .head { padding-top: max(14px, env(safe-area-inset-top)); }
  .composer { padding-bottom: max(8px, env(safe-area-inset-bottom)); }
  .composer textarea { font-size: 16px; }
}
@media print { :host { display: none !important; } }
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .bar > span, .typing span { animation: none !important; transition: none !important; }
}
`;

  // Robust inline styles on the host element: outside selectors match it (e.g. `* { display: none !important }`).
  const HOST_STYLE = {
    display: 'block', position: 'fixed', top: 'auto', left: 'auto', right: '0', bottom: '0', width: '0', height: '0',
    margin: '0', padding: '0', border: '0', overflow: 'visible', visibility: 'visible', opacity: '1', transform: 'none',
    filter: 'none', 'clip-path': 'none', contain: 'none', 'pointer-events': 'auto', 'z-index': '2147483000',
    float: 'none', 'min-width': '0', 'min-height': '0', 'max-width': 'none', 'max-height': 'none',
  };

  // ------------------------------------------------------------------ errors
  class WidgetError extends Error {
    constructor(code, status, message, retryAfter) {
      super(message || code);
      this.code = code; this.status = status || 0; this.retryAfter = retryAfter;
    }
  }

  async function errorFrom(res) {
    let code = 'http_error';
    let message = '';
    try {
      const body = await res.json();
      if (body && body.error) { code = body.error.code || code; message = body.error.message || ''; }
    } catch (_) { /* not JSON */ }
    return new WidgetError(code, res.status, message, res.headers.get('Retry-After'));
  }

  let uid = 0;

  // ------------------------------------------------------------------ the element
  class NordicAssistant extends HTMLElement {
    static renderMarkdown(md, opts) { return renderMarkdown(md, opts); }

    constructor() {
      super();
      this._shadow = this.attachShadow({ mode: 'open' });
      this._started = false;
      this.session = null;
      this.busy = false;
      this.restored = false;
      this.checklistView = null;
    }

    connectedCallback() {
      this._protectHost();
      if (this._started) {
        if (this._onDocumentKey) document.addEventListener('keydown', this._onDocumentKey);
        return;
      }
      this._started = true;
      const d = this.dataset;
      this.api = (d.api != null ? d.api : '').trim().replace(/\/+$/, '');
      this.lang = pickLanguage(d.lang);
      this.t = Object.assign({}, I18N[this.lang], I18N_MORE[this.lang]);
      this.locale = LOCALES[this.lang];
      this.storageKey = 'nordic-assistant:session:' + (this.api || location.origin);
      this.session = this._loadSession();
      if (d.accent && CSS.supports('color', d.accent)) this.style.setProperty('--na-accent', d.accent);
      this._build();
      if (d.open === 'true') this.open();
    }

    disconnectedCallback() {
      if (this._onDocumentKey) document.removeEventListener('keydown', this._onDocumentKey);
    }

    _protectHost() {
      for (const [k, v] of Object.entries(HOST_STYLE)) this.style.setProperty(k, v, 'important');
      this.setAttribute('data-widget', 'nordic-assistant');
    }

    // -------------------------------------------------------------- storage
    _loadSession() {
      try {
        const raw = window.localStorage.getItem(this.storageKey);
        const s = raw && JSON.parse(raw);
        return s && typeof s.id === 'string' && typeof s.token === 'string' ? s : null;
      } catch (_) { return this._memorySession || null; }
    }

    _saveSession(s) {
      this.session = s;
      this._memorySession = s;
      try {
        if (s) window.localStorage.setItem(this.storageKey, JSON.stringify({ id: s.id, token: s.token }));
        else window.localStorage.removeItem(this.storageKey);
      } catch (_) { /* storage blocked: the session lasts for this page view */ }
    }

    // -------------------------------------------------------------- DOM
    _build() {
      const t = this.t;
      const id = 'na' + (++uid);
      const sheet = typeof CSSStyleSheet === 'function' && 'adoptedStyleSheets' in this._shadow ? new CSSStyleSheet() : null;
      if (sheet && sheet.replaceSync) {
        sheet.replaceSync(STYLES + STYLES_MORE);
        this._shadow.adoptedStyleSheets = [sheet];
      } else {
        this._shadow.append(h('style', { text: STYLES + STYLES_MORE }));
      }
      const position = this.dataset.position === 'left' ? 'left' : 'right';
      const title = this.dataset.title || t.title;

      this.launcher = h('button', {
        class: 'launcher', type: 'button', 'aria-label': t.open, 'aria-expanded': 'false', 'aria-controls': id + '-panel',
        'aria-haspopup': 'dialog', title: t.open, onclick: () => this.toggle(),
      });
      const closedIcon = icon('chat'); closedIcon.classList.add('when-closed');
      const openIcon = icon('close'); openIcon.classList.add('when-open');
      this.launcher.append(closedIcon, openIcon);

      const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, icon('spark'));
      this.titleEl = h('h2', { id: id + '-title', text: title });
      const sub = h('p', { id: id + '-sub', text: t.subtitle });
      const resetBtn = h('button', { class: 'icon-btn reset', type: 'button', 'aria-label': t.newChat, title: t.newChat, onclick: () => this.reset() }, icon('reset'));
      this.closeBtn = h('button', { class: 'icon-btn close', type: 'button', 'aria-label': t.close, title: t.close, onclick: () => this.close() }, icon('close'));
      const head = h('header', { class: 'head' }, avatar, h('div', { class: 'titles' }, this.titleEl, sub),
        this._buildMenu(), resetBtn, this.closeBtn);

      // Checklist progress strip.
      this.clLabel = h('span', { class: 'cl-label', text: t.checklist });
      this.clCount = h('span', { class: 'cl-count' });
      this.clTitle = h('p', { class: 'cl-title' });
      this.clFill = h('span');
      this.clBar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-label': t.checklist }, this.clFill);
      this.clQuestion = h('p', { class: 'cl-q' });
      this.clBack = h('button', { class: 'mini back', type: 'button', onclick: () => this.checklistAction('back') }, icon('back'), t.back);
      this.clSkip = h('button', { class: 'mini skip', type: 'button', onclick: () => this.checklistAction('skip') }, t.skip, icon('skip'));
      this.clDownload = h('button', { class: 'dl download-brief', type: 'button', onclick: () => this.downloadBrief() }, icon('download'), t.download);
      this.checklistEl = h('div', { class: 'checklist', hidden: true },
        h('div', { class: 'cl-top' }, this.clLabel, this.clDownload),
        h('div', { class: 'cl-head' }, this.clTitle, this.clCount), this.clBar, this.clQuestion,
        h('div', { class: 'cl-actions' }, this.clBack, this.clSkip));

      this.log = h('div', {
        class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text', 'aria-label': title, tabindex: '0',
        onclick: (e) => this._onLogClick(e),
      });

      this.input = h('textarea', {
        rows: '1', placeholder: t.placeholder, 'aria-label': t.input, maxlength: '4000', enterkeyhint: 'send',
        oninput: () => this._autosize(), onkeydown: (e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this._submit(); }
        },
      });
      this.sendBtn = h('button', { class: 'send', type: 'submit', 'aria-label': t.send, title: t.send }, icon('send'));
      const form = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this._submit(); } }, this.input, this.sendBtn);

      this.panel = h('section', {
        class: 'panel', id: id + '-panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id + '-title',
        'aria-describedby': id + '-sub', hidden: true, onkeydown: (e) => this._onPanelKey(e),
      }, head, this.checklistEl, this.log, form, h('p', { class: 'foot', text: t.disclaimer }));

      // Escape also closes when focus has fallen back to the page's body while the panel is open.
      this._onDocumentKey = (e) => {
        if (e.key === 'Escape' && this.isOpen && (document.activeElement === document.body || !document.activeElement)) this.close();
      };
      document.addEventListener('keydown', this._onDocumentKey);
      this.rootEl = h('div', {
        class: 'root', 'data-position': position, lang: this.lang,
        onkeydown: (e) => { if (e.key === 'Escape' && this.isOpen) { e.preventDefault(); e.stopPropagation(); this.close(); } },
      }, this.panel, this.launcher);
      this._shadow.append(this.rootEl);
    }

    _autosize() {
      const el = this.input;
      if (!el.value) { el.style.height = ''; return; } // the placeholder must not size the box
      el.style.height = 'auto';
      el.style.height = Math.min(el.scrollHeight + 2, 132) + 'px';
    }

    // -------------------------------------------------------------- open / close / keyboard
    get isOpen() { return !this.panel.hidden; }

    toggle() { if (this.isOpen) this.close(); else this.open(); }

    open() {
      if (this.isOpen) return;
      this.panel.hidden = false;
      this.rootEl.classList.add('open');
      this.launcher.setAttribute('aria-expanded', 'true');
      this.launcher.setAttribute('aria-label', this.t.close);
      this.launcher.title = this.t.close;
      if (!this.restored) { this.restored = true; this._restoring = this._restore(); }
      const coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
      (coarse ? this.closeBtn : this.input).focus();
      this._scrollToEnd();
    }

    close() {
      if (!this.isOpen) return;
      this.panel.hidden = true;
      this.rootEl.classList.remove('open');
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcher.setAttribute('aria-label', this.t.open);
      this.launcher.title = this.t.open;
      this.launcher.focus();
    }

    _focusables() {
      const sel = 'button:not([disabled]), [href], textarea:not([disabled]), input:not([disabled]), select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
      return Array.from(this.panel.querySelectorAll(sel)).filter((el) => el.getClientRects().length > 0 && !el.closest('[hidden]'));
    }

    _onPanelKey(e) {
      if (e.key !== 'Tab') return;
      const items = this._focusables();
      if (!items.length) return;
      const active = this._shadow.activeElement;
      const idx = items.indexOf(active);
      if (e.shiftKey && idx <= 0) { e.preventDefault(); items[items.length - 1].focus(); }
      else if (!e.shiftKey && (idx === -1 || idx === items.length - 1)) { e.preventDefault(); items[0].focus(); }
    }

    _onLogClick(e) {
      const cite = e.target.closest && e.target.closest('.cite');
      if (!cite) return;
      const msg = cite.closest('.msg');
      const details = msg && msg.querySelector('details.src[data-n="' + cite.dataset.cite + '"]');
      if (!details) return;
      details.open = true;
      const summary = details.querySelector('summary');
      summary.focus();
      details.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }

    // -------------------------------------------------------------- messages in the log
    _scrollToEnd() { this.log.scrollTop = this.log.scrollHeight; }

    _follow(msgEl) {
      // Keep a growing answer in view, but never scroll its start out of sight.
      const log = this.log;
      const top = msgEl.offsetTop - 12;
      const bottom = msgEl.offsetTop + msgEl.offsetHeight - log.clientHeight + 18;
      const target = Math.min(top, bottom);
      if (target > log.scrollTop) log.scrollTop = target;
    }

    _clearExtras() {
      const active = this._shadow.activeElement;
      const stale = Array.from(this.log.querySelectorAll('.extras, .msg.error .chips'));
      const hadFocus = active && stale.some((el) => el.contains(active));
      for (const el of stale) if (el.classList.contains('extras')) el.replaceChildren(); else el.remove();
      if (hadFocus) this.input.focus(); // the button that was used is gone; keep focus in the panel
    }

    _addUser(text) {
      this._clearExtras();
      const el = h('div', { class: 'msg user' }, h('div', { class: 'bubble' }, h('span', { class: 'sr', text: this.t.you + ': ' }), text));
      this.log.append(el);
      this._scrollToEnd();
      return el;
    }

    _addBot(extraClass) {
      const body = h('div', { class: 'md' });
      const bubble = h('div', { class: 'bubble' }, h('span', { class: 'sr', text: this.t.bot + ': ' }), body);
      const extras = h('div', { class: 'extras' });
      const el = h('div', { class: 'msg bot' + (extraClass ? ' ' + extraClass : '') }, bubble, extras);
      this.log.append(el);
      return { el, bubble, body, extras, raw: '', pending: [], timer: 0 };
    }

    _welcome(withChips) {
      const m = this._addBot('welcome');
      m.body.innerHTML = renderMarkdown(this.t.welcome);
      if (withChips) {
        m.extras.append(h('div', { class: 'chips' }, this.t.starters.map(([label, action]) =>
          h('button', { class: 'chip', type: 'button', onclick: () => this.perform({ label, action, value: action === 'ask' ? label : null }) }, label))));
      }
    }

    _typing(m) {
      m.body.replaceChildren(h('span', { class: 'typing', role: 'img', 'aria-label': this.t.thinking }, h('span'), h('span'), h('span')));
    }

    _renderBody(m, cites) {
      m.body.innerHTML = renderMarkdown(m.raw, { cites, citeLabel: this.t.source });
    }

    // Deltas are revealed a few per frame, so an answer visibly streams in even when the
    // network hands over the whole stream at once.
    _queueDelta(m, text) {
      m.pending.push(text);
      if (!m.timer) m.timer = requestAnimationFrame(() => this._drain(m));
    }

    _drain(m) {
      m.timer = 0;
      const take = document.hidden ? m.pending.length : Math.max(1, Math.ceil(m.pending.length / 10));
      m.raw += m.pending.splice(0, take).join('');
      this._renderBody(m);
      this._follow(m.el);
      if (m.pending.length) m.timer = requestAnimationFrame(() => this._drain(m));
      else if (m.onDrained) { const f = m.onDrained; m.onDrained = null; f(); }
    }

    _whenDrained(m) {
      return new Promise((resolve) => {
        if (!m.pending.length && !m.timer) resolve();
        else m.onDrained = resolve;
      });
    }

    /** Render a whole Reply into a bot message. `last` adds the next-step buttons. */
    _renderReply(m, reply, last) {
      const t = this.t;
      const citations = Array.isArray(reply.citations) ? reply.citations : [];
      m.raw = reply.text || '';
      this._renderBody(m, new Set(citations.map((c) => Number(c.n))));
      m.bubble.querySelectorAll('.notice, .tool, .sources').forEach((el) => el.remove());
      if (reply.notice) m.bubble.append(h('p', { class: 'notice', text: reply.notice }));
      if (reply.tool && reply.tool.result) {
        const tool = this._toolView(reply.tool);
        if (tool) m.bubble.append(tool);
      }
      if (citations.length) {
        m.bubble.append(h('div', { class: 'sources' }, h('p', { class: 'sources-h', text: t.sources }),
          citations.map((c) => this._citationView(c))));
      }
      m.extras.replaceChildren();
      this._renderFeedback(m, reply);
      if (last) this._renderNextSteps(m, reply);
    }

    _citationView(c) {
      const lang = this.t.langs[c.language] || c.language || '';
      return h('details', { class: 'src', 'data-n': c.n },
        h('summary', null, h('span', { class: 'src-n', text: '[' + c.n + ']' }), h('span', null,
          h('span', { class: 'src-t', text: c.title || '' }), ' ', h('span', { class: 'src-l', text: lang ? '(' + lang + ')' : '' }))),
        h('div', { class: 'src-body' }, c.heading ? h('p', { class: 'src-h', text: c.heading }) : null,
          h('blockquote', { class: 'src-q', lang: c.language || null, text: c.quote || '' })));
    }

    _renderNextSteps(m, reply) {
      const t = this.t;
      const view = reply.checklist;
      const chips = [];
      if (view && !view.completed && view.answer_type === 'multi_choice' && Array.isArray(view.choices) && view.choices.length) {
        const picked = new Set();
        const confirm = h('button', { class: 'chip primary confirm', type: 'button', disabled: true, onclick: () => {
          const labels = view.choices.filter((c) => picked.has(c.id)).map((c) => c.label);
          if (labels.length) this.checklistAction('answer', labels.join(', '));
        } }, t.confirm);
        for (const c of view.choices) {
          chips.push(h('button', { class: 'chip choice', type: 'button', 'aria-pressed': 'false', onclick: (e) => {
            const on = !picked.has(c.id);
            if (on) picked.add(c.id); else picked.delete(c.id);
            e.currentTarget.setAttribute('aria-pressed', String(on));
            confirm.disabled = picked.size === 0;
          } }, c.label));
        }
        chips.push(confirm);
      }
      if (view && view.completed) chips.push(...this._completionChips());
      // Skip/back/download live in the checklist strip while it is on screen.
      const stripShown = !this.checklistEl.hidden || Boolean(view);
      for (const s of reply.suggestions || []) {
        const own = s && this._actionChip(s);
        if (own) { if (!(view && view.completed)) chips.push(own); continue; }
        if (!s || !s.action || !s.label) continue;
        if (stripShown && STRIP_ACTIONS.includes(s.action)) continue;
        if (s.action === 'checklist.export') {
          if (view && view.completed) continue; // the completion chips offer the PDF already
          chips.push(h('button', { class: 'chip', type: 'button', 'data-action': s.action, onclick: () => this.downloadBrief() }, s.label || t.download));
          continue;
        }
        chips.push(h('button', { class: 'chip suggestion', type: 'button', 'data-action': s.action, onclick: () => this.perform(s) }, s.label));
      }
      if (chips.length) m.extras.append(h('div', { class: 'chips' }, chips));
    }

    _toolView(tool) {
      const t = this.t;
      const r = tool.result;
      const num = (v, digits = 0) => (typeof v === 'number' && isFinite(v)
        ? new Intl.NumberFormat(this.locale, { maximumFractionDigits: digits }).format(v) : '–');
      const pct = (v) => (typeof v === 'number' && isFinite(v)
        ? new Intl.NumberFormat(this.locale, { style: 'percent', maximumFractionDigits: 1 }).format(v) : '–');
      const cap = (text) => h('div', { class: 'tool-cap' }, text);
      if (tool.name === 'staffing') {
        const rows = [
          [t.agents, num(r.agents), 'key agents'],
          [t.fte, num(r.scheduled_fte, 1), 'fte'],
          [t.serviceLevel, pct(r.service_level), 'service-level'],
          [t.asa, typeof r.asa_seconds === 'number'
            ? new Intl.NumberFormat(this.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(r.asa_seconds) + ' s' : '–', 'asa'],
          [t.occupancy, pct(r.occupancy), 'occupancy'],
        ];
        if (typeof r.contacts === 'number') rows.push([t.contacts, num(r.contacts), 'contacts']);
        if (typeof r.peak_traffic_erlangs === 'number') rows.push([t.traffic, num(r.peak_traffic_erlangs, 1), 'traffic']);
        return h('div', { class: 'tool staffing' }, cap(t.staffing), h('table', null, h('tbody', null,
          rows.map(([label, value, cls]) => h('tr', { class: cls }, h('th', { scope: 'row', text: label }), h('td', { text: value }))))));
      }
      if (tool.name === 'cost_comparison') {
        const currency = r.currency || '';
        const money = (v) => {
          if (typeof v !== 'number' || !isFinite(v)) return '–';
          try {
            return new Intl.NumberFormat(this.locale, { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(v);
          } catch (_) { return num(v) + ' ' + currency; }
        };
        const offerName = (name) => {
          const mm = /^offer_(\d+)$/.exec(name || '');
          return mm ? fill(t.offer, { n: mm[1] }) : (name && name.length <= 2 ? fill(t.offer, { n: name }) : (name || ''));
        };
        // Two offers without an in-house side are compared with each other: no in-house column.
        const cols = (r.in_house ? [{ key: 'in_house', label: t.inHouse, data: r.in_house, inHouse: true }] : [])
          .concat((r.offers || []).map((o) => ({ key: o.name, label: offerName(o.name), data: o })));
        const headRow = h('tr', null, h('th', { scope: 'col' }), cols.map((c) => h('th', { scope: 'col', class: 'num' }, c.label,
          r.cheapest === c.key ? [' ', h('span', { class: 'badge', text: t.cheapest })] : null)));
        const row = (label, fn, cls) => h('tr', { class: cls }, h('th', { scope: 'row', text: label }), cols.map((c) => fn(c)));
        const savingsCell = (c) => {
          if (c.inHouse) return h('td', { text: '–' });
          const v = c.data.savings_total;
          return h('td', { class: typeof v === 'number' ? (v < 0 ? 'neg' : 'pos') : '', text: money(v) });
        };
        const breakEvenCell = (c) => h('td', {
          text: c.inHouse ? '–' : (c.data.break_even_month ? fill(t.monthN, { n: c.data.break_even_month }) : t.never),
        });
        return h('div', { class: 'tool costs' }, cap(t.costs), h('div', { class: 'table-wrap', style: null },
          h('table', null, h('thead', null, headRow), h('tbody', null,
            row(t.monthly, (c) => h('td', { text: money(c.data.steady_monthly) }), 'monthly'),
            row(fill(t.total, { m: r.horizon_months || '' }), (c) => h('td', { text: money(c.data.total) }), 'total'),
            r.in_house ? row(t.savings, savingsCell, 'savings') : null,
            r.in_house ? row(t.breakEven, breakEvenCell, 'break-even') : null))));
      }
      const scalars = Object.entries(r).filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v));
      if (!scalars.length) return null;
      return h('div', { class: 'tool generic' }, cap(tool.name), h('table', null, h('tbody', null,
        scalars.map(([k, v]) => h('tr', null, h('th', { scope: 'row', text: k }), h('td', { text: typeof v === 'number' ? num(v, 2) : String(v) }))))));
    }

    _error(err, retry) {
      const t = this.t;
      const status = err && err.status;
      const code = err && err.code;
      let text = t.errServer;
      if (code === 'network') text = t.errNetwork;
      else if (status === 429 || code === 'rate_limited') text = fill(t.errRate, { s: (err.retryAfter && /^\d+$/.test(err.retryAfter)) ? err.retryAfter : '30' });
      else if (status === 503 || code === 'index_unavailable' || code === 'corpus_error') text = t.errStarting;
      else if (status === 413 || code === 'payload_too_large' || /limit|too long|longer/i.test((err && err.message) || '') && (status === 422 || code === 'invalid_input')) text = t.errTooLong;
      else if (status === 422 || code === 'invalid_input' || status === 400) text = t.errInvalid;
      else if (code === 'interrupted') text = t.errInterrupted;
      else if (code === 'brief') text = t.errBrief;
      else if (code === 'feedback') text = t.errFeedback;
      else if (code === 'handoff') text = t.errHandoff;
      else if (code === 'delete') text = t.errDelete;
      const m = this._addBot('error');
      m.body.replaceChildren(h('p', { text }));
      if (retry) {
        m.bubble.append(h('div', { class: 'chips' }, h('button', { class: 'chip retry', type: 'button', onclick: () => {
          this.input.focus();
          m.el.remove();
          retry();
        } }, t.retry)));
      }
      this._follow(m.el);
      return m;
    }

    // -------------------------------------------------------------- checklist strip
    _setChecklist(view) {
      this.checklistView = view || null;
      if (!view) { this.checklistEl.hidden = true; return; }
      const t = this.t;
      const total = view.total || 10;
      const done = Math.min(view.done || 0, total);
      this.checklistEl.hidden = false;
      this.clCount.textContent = fill(t.progress, { done, total });
      this.clFill.style.width = (100 * done / total).toFixed(1) + '%';
      this.clBar.setAttribute('aria-valuemax', String(total));
      this.clBar.setAttribute('aria-valuenow', String(done));
      this.clBar.setAttribute('aria-valuetext', fill(t.progress, { done, total }));
      if (view.completed) {
        this.clTitle.textContent = t.completed;
        this.clQuestion.hidden = true;
        this.clBack.hidden = true;
        this.clSkip.hidden = true;
      } else {
        this.clTitle.textContent = fill(t.step, { n: view.step_number, total }) + ' · ' + (view.title || '');
        this.clQuestion.hidden = !view.question;
        this.clQuestion.textContent = view.question || '';
        this.clQuestion.title = view.question || '';
        this.clBack.hidden = false;
        this.clSkip.hidden = false;
      }
    }

    async _refreshChecklist() {
      if (!this.session) return;
      try {
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/checklist');
        const state = await res.json();
        const view = state && state.view;
        this._setChecklist(view && (state.active || view.completed) ? view : null);
      } catch (_) { /* keep what is shown */ }
    }

    // -------------------------------------------------------------- HTTP
    async _call(path, { method = 'GET', body, auth = true, accept = 'application/json' } = {}) {
      const headers = { Accept: accept };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (auth && this.session) headers.Authorization = 'Bearer ' + this.session.token;
      let res;
      try {
        res = await fetch(this.api + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store',
        });
      } catch (_) {
        throw new WidgetError('network');
      }
      if (!res.ok) throw await errorFrom(res);
      return res;
    }

    async _ensureSession() {
      if (this.session) return this.session;
      const res = await this._call('/v1/sessions', { method: 'POST', body: { language: this.lang }, auth: false });
      const s = await res.json();
      this._saveSession({ id: s.id, token: s.token });
      return this.session;
    }

    /** POST a message and read the reply as Server-Sent Events. */
    async _stream(text, handlers) {
      const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/messages', {
        method: 'POST', body: { message: text }, accept: 'text/event-stream',
      });
      const type = res.headers.get('Content-Type') || '';
      if (!type.includes('text/event-stream')) { handlers.done(await res.json()); return true; }
      let finished = false;
      const dispatch = (block) => {
        let event = 'message';
        const data = [];
        for (const line of block.split(/\r\n|\r|\n/)) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          let value = colon === -1 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (!data.length) return;
        let payload;
        try { payload = JSON.parse(data.join('\n')); } catch (_) { return; }
        if (event === 'done') finished = true;
        if (event === 'error') {
          finished = true;
          const e = (payload && payload.error) || {};
          throw new WidgetError(e.code || 'http_error', 0, e.message);
        }
        if (handlers[event]) handlers[event](payload);
      };
      if (!res.body || !res.body.getReader) {
        const all = await res.text();
        all.split(/\r\n\r\n|\n\n|\r\r/).forEach(dispatch);
        return finished;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let match;
          while ((match = /\r\n\r\n|\n\n|\r\r/.exec(buffer))) {
            const block = buffer.slice(0, match.index);
            buffer = buffer.slice(match.index + match[0].length);
            dispatch(block);
          }
        }
        buffer += decoder.decode();
        if (buffer.trim()) dispatch(buffer);
      } catch (e) {
        if (e instanceof WidgetError) throw e;
        throw new WidgetError(finished ? 'network' : 'interrupted');
      } finally {
        try { reader.releaseLock(); } catch (_) { /* already released */ }
      }
      return finished;
    }

    _setBusy(on) {
      this.busy = on;
      this.sendBtn.disabled = on;
      this.rootEl.classList.toggle('busy', on);
      this.log.setAttribute('aria-busy', on ? 'true' : 'false');
    }

    _submit() {
      const text = this.input.value.trim();
      if (!text || this.busy) return;
      this.input.value = '';
      this._autosize();
      this.send(text);
    }

    /** Send a user message and stream the answer into the panel. */
    async send(text) {
      text = String(text || '').trim();
      if (!text || this.busy) return;
      if (!this.isOpen) this.open();
      this._setBusy(true);
      await this._restoring;
      this._addUser(text);
      await this._converse(text, true);
      this._setBusy(false);
    }

    async _converse(text, mayRenew) {
      const m = this._addBot();
      this._typing(m);
      this._follow(m.el);
      let reply = null;
      try {
        await this._ensureSession();
        const finished = await this._stream(text, {
          delta: (d) => { if (d && typeof d.text === 'string') this._queueDelta(m, d.text); },
          // The model's streamed answer was not accepted: show the one that was, at once.
          replace: (d) => {
            if (!d || typeof d.text !== 'string') return;
            m.pending = [];
            m.raw = d.text;
            this._renderBody(m);
          },
          done: (r) => { reply = r; },
        });
        await this._whenDrained(m);
        if (!finished || !reply) throw new WidgetError('interrupted');
      } catch (err) {
        if (m.timer) cancelAnimationFrame(m.timer);
        m.pending = [];
        if (mayRenew && (err.status === 404 || err.status === 401)) {
          // The stored session is gone (expired or purged): start a new one and try once more.
          m.el.remove();
          this._saveSession(null);
          this._setChecklist(null);
          return this._converse(text, false);
        }
        if (!m.raw) m.el.remove(); else this._renderBody(m);
        this._error(err, () => this._retry(text));
        return;
      }
      this._afterReply(reply);
      this._renderReply(m, reply, true);
      this._follow(m.el);
    }

    async _retry(text) {
      if (this.busy) return;
      this._setBusy(true);
      await this._converse(text, true);
      this._setBusy(false);
    }

    _afterReply(reply) {
      if (reply.checklist) this._setChecklist(reply.checklist);
      else if (!this.checklistEl.hidden) this._refreshChecklist();
    }

    /** A suggestion's button: ask a question, download the brief, or perform the action on the server. */
    perform(s) {
      if (!s || !s.action) return;
      if (s.action === 'ask') return this.send(s.value || s.label);
      if (s.action === 'checklist.export') return this.downloadBrief();
      return this.act(s.action, s.value || null, s.label);
    }

    /** Checklist buttons: start, skip, back, or an answer (JSON replies). */
    checklistAction(kind, answer) {
      const t = this.t;
      const label = kind === 'answer' ? answer : kind === 'skip' ? t.skip : kind === 'back' ? t.back : t.starters[1][0];
      return this.act('checklist.' + kind, kind === 'answer' ? answer : null, label);
    }

    /** POST an action (`/actions`) and render its reply. */
    async act(action, value, label) {
      if (this.busy || !this.session && !/^(checklist\.start|tool\.)/.test(action)) return;
      this._setBusy(true);
      this._addUser(label || value || action);
      const m = this._addBot();
      this._typing(m);
      try {
        await this._ensureSession();
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/actions', {
          method: 'POST', body: value == null ? { action } : { action, value },
        });
        const reply = await res.json();
        this._afterReply(reply);
        this._renderReply(m, reply, true);
        this._follow(m.el);
      } catch (err) {
        m.el.remove();
        this._error(err, null);
        if (err.status === 404 || err.status === 401) { this._saveSession(null); this._setChecklist(null); }
      } finally {
        this._setBusy(false);
      }
    }

    async downloadBrief() {
      if (!this.session) { this._notice(this.t.nothingYet); return; }
      try {
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/brief.pdf', { accept: 'application/pdf' });
        const blob = new Blob([await res.arrayBuffer()], { type: 'application/pdf' });
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: this.t.briefFile, rel: 'noopener', hidden: true });
        this._shadow.append(a);
        a.click();
        setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 10000);
      } catch (err) {
        this._error(err.code === 'network' ? err : new WidgetError('brief', err.status), null);
      }
    }

    /** Restore the stored conversation (after a reload). */
    async _restore() {
      const t = this.t;
      this.log.replaceChildren();
      if (!this.session) { this._welcome(true); return; }
      const loading = h('p', { class: 'loading', text: t.loading });
      this.log.append(loading);
      let history = null;
      try {
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id));
        history = await res.json();
      } catch (err) {
        loading.remove();
        if (err.status === 404 || err.status === 401) {
          this._saveSession(null);
          this._welcome(true);
        } else {
          this._welcome(true);
          this.restored = false; // try again next time the panel opens
        }
        return;
      }
      loading.remove();
      const turns = Array.isArray(history.turns) ? history.turns : [];
      this._welcome(!turns.length);
      // Buttons are stored as the action they performed: show their labels again.
      const labels = { start: t.starters[1][0], skip: t.skip, back: t.back,
        'tool.staffing': t.starters[2][0], 'tool.cost_comparison': t.starters[3][0] };
      let lastReply = null;
      turns.forEach((turn, i) => {
        if (turn.role === 'user') {
          const next = turns[i + 1];
          const isCommand = labels[turn.text] && next && next.reply && ['checklist', 'tool'].includes(next.reply.intent);
          this._addUser(isCommand ? labels[turn.text] : turn.text);
        } else {
          const m = this._addBot();
          const reply = turn.reply || { text: turn.text, citations: [], suggestions: [] };
          if (turn.reply) reply.turn = turn.seq;
          m.feedback = turn.feedback || null;
          this._renderReply(m, reply, false);
          lastReply = { m, reply };
        }
      });
      await this._refreshChecklist();
      if (lastReply && lastReply.m.el === this.log.lastElementChild) this._renderNextSteps(lastReply.m, lastReply.reply);
      this._scrollToEnd();
    }

    /** Forget the conversation and start over. */
    reset() {
      if (this.busy) return;
      this._saveSession(null);
      this._setChecklist(null);
      this.log.replaceChildren();
      this._welcome(true);
      this.input.focus();
    }
  }

  // ================================================================== feedback, handoff, PDF, privacy
  // Kept apart from the core widget: rating answers, "Talk to a consultant", the brief as PDF and
  // "Delete this conversation". Buttons carry actions in the spirit of Suggestion.action
  // (`handoff.open`, `brief.download`, `conversation.delete`).
  const I18N_MORE = {
    en: {
      menu: 'More', handoff: 'Talk to a consultant', downloadPdf: 'Download brief (PDF)', briefFile: 'procurement-brief.pdf',
      deleteChat: 'Delete this conversation', deleteAsk: 'Delete this conversation and everything saved with it (answers, ratings, brief)? This cannot be undone.',
      deleteYes: 'Delete', deleteNo: 'Keep it', deleted: 'The conversation was deleted.', nothingYet: 'There is no conversation yet.',
      rateUp: 'Helpful', rateDown: 'Not helpful', rated: 'Thanks for your feedback!', comment: 'What was missing? (optional)',
      commentSend: 'Send', errFeedback: "Couldn't save your feedback. Please try again.", errDelete: "Couldn't delete the conversation. Please try again.",
      errHandoff: "Couldn't send your details. Please try again.",
    },
    sv: {
      menu: 'Mer', handoff: 'Prata med en konsult', downloadPdf: 'Ladda ner underlaget (PDF)', briefFile: 'upphandlingsunderlag.pdf',
      deleteChat: 'Radera konversationen', deleteAsk: 'Radera konversationen och allt som sparats med den (svar, betyg, underlag)? Det går inte att ångra.',
      deleteYes: 'Radera', deleteNo: 'Behåll', deleted: 'Konversationen är raderad.', nothingYet: 'Det finns ingen konversation än.',
      rateUp: 'Bra svar', rateDown: 'Inte bra', rated: 'Tack för din återkoppling!', comment: 'Vad saknades? (valfritt)',
      commentSend: 'Skicka', errFeedback: 'Återkopplingen kunde inte sparas. Försök igen.', errDelete: 'Konversationen kunde inte raderas. Försök igen.',
      errHandoff: 'Uppgifterna kunde inte skickas. Försök igen.',
    },
    fi: {
      menu: 'Lisää', handoff: 'Keskustele konsultin kanssa', downloadPdf: 'Lataa hankinta-asiakirja (PDF)', briefFile: 'hankinta-asiakirja.pdf',
      deleteChat: 'Poista tämä keskustelu', deleteAsk: 'Poistetaanko keskustelu ja kaikki siihen tallennettu (vastaukset, arviot, hankinta-asiakirja)? Poistoa ei voi perua.',
      deleteYes: 'Poista', deleteNo: 'Säilytä', deleted: 'Keskustelu on poistettu.', nothingYet: 'Keskustelua ei ole vielä.',
      rateUp: 'Hyvä vastaus', rateDown: 'Ei hyvä', rated: 'Kiitos palautteestasi!', comment: 'Mitä puuttui? (vapaaehtoinen)',
      commentSend: 'Lähetä', errFeedback: 'Palautetta ei voitu tallentaa. Yritä uudelleen.', errDelete: 'Keskustelua ei voitu poistaa. Yritä uudelleen.',
      errHandoff: 'Tietoja ei voitu lähettää. Yritä uudelleen.',
    },
    da: {
      menu: 'Mere', handoff: 'Tal med en konsulent', downloadPdf: 'Hent udbudsmaterialet (PDF)', briefFile: 'udbudsmateriale.pdf',
      deleteChat: 'Slet denne samtale', deleteAsk: 'Slet samtalen og alt, der er gemt med den (svar, vurderinger, materiale)? Det kan ikke fortrydes.',
      deleteYes: 'Slet', deleteNo: 'Behold', deleted: 'Samtalen er slettet.', nothingYet: 'Der er ingen samtale endnu.',
      rateUp: 'Godt svar', rateDown: 'Ikke godt', rated: 'Tak for din feedback!', comment: 'Hvad manglede? (valgfrit)',
      commentSend: 'Send', errFeedback: 'Din feedback kunne ikke gemmes. Prøv igen.', errDelete: 'Samtalen kunne ikke slettes. Prøv igen.',
      errHandoff: 'Dine oplysninger kunne ikke sendes. Prøv igen.',
    },
    nb: {
      menu: 'Mer', handoff: 'Snakk med en konsulent', downloadPdf: 'Last ned grunnlaget (PDF)', briefFile: 'anskaffelsesgrunnlag.pdf',
      deleteChat: 'Slett denne samtalen', deleteAsk: 'Slette samtalen og alt som er lagret med den (svar, vurderinger, grunnlag)? Dette kan ikke angres.',
      deleteYes: 'Slett', deleteNo: 'Behold', deleted: 'Samtalen er slettet.', nothingYet: 'Det finnes ingen samtale ennå.',
      rateUp: 'Godt svar', rateDown: 'Ikke bra', rated: 'Takk for tilbakemeldingen!', comment: 'Hva manglet? (valgfritt)',
      commentSend: 'Send', errFeedback: 'Tilbakemeldingen kunne ikke lagres. Prøv igjen.', errDelete: 'Samtalen kunne ikke slettes. Prøv igjen.',
      errHandoff: 'Opplysningene kunne ikke sendes. Prøv igjen.',
    },
  };

  const ICON_MORE = {
    menu: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="5" cy="12" r="2" fill="currentColor"/><circle cx="12" cy="12" r="2" fill="currentColor"/><circle cx="19" cy="12" r="2" fill="currentColor"/></svg>',
    up: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" d="M7 10v10H4V10zM7 10l4-7c1.7 0 2.6 1 2.3 2.7L12.8 9H19a2 2 0 0 1 2 2.3l-1.3 7A2 2 0 0 1 17.7 20H7"/></svg>',
    down: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" d="M7 14V4H4v10zM7 14l4 7c1.7 0 2.6-1 2.3-2.7L12.8 15H19a2 2 0 0 0 2-2.3l-1.3-7A2 2 0 0 0 17.7 4H7"/></svg>',
  };
  const iconMore = (name) => { const s = document.createElement('span'); s.className = 'ico'; s.innerHTML = ICON_MORE[name]; return s; };

  const STYLES_MORE = `
.menu-wrap { position: relative; flex: none; }
.menu { position: absolute; top: 42px; right: 0; z-index: 5; min-width: 236px; padding: 6px; border-radius: 12px;
  background: var(--bg); color: var(--ink); border: 1px solid var(--line); box-shadow: 0 12px 32px rgba(16, 24, 40, .2); }
.menu button { display: flex; width: 100%; align-items: center; gap: 8px; border: 0; background: none; padding: 9px 11px;
  border-radius: 8px; text-align: left; font-size: 13.5px; }
.menu button:hover, .menu button:focus-visible { background: var(--soft); }
.menu button.danger { color: #b42318; }
.rate { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.rate .thumb { display: inline-flex; align-items: center; justify-content: center; width: 30px; height: 28px; border-radius: 8px;
  border: 1px solid var(--line); background: var(--bg); color: var(--muted); padding: 0; }
.rate .thumb:hover { color: var(--accent); border-color: var(--accent-line); }
.rate .thumb[aria-pressed="true"] { color: var(--accent-ink); background: var(--accent); border-color: var(--accent); }
.rate .rated { font-size: 12px; color: var(--muted); }
.rate form { display: flex; gap: 6px; width: 100%; }
.rate input, .handoff input[type="text"], .handoff input[type="email"], .handoff input[type="tel"] {
  flex: 1; min-width: 0; font: inherit; font-size: 13.5px; color: var(--ink); padding: 7px 10px; border: 1px solid #cfd5de;
  border-radius: 9px; background: var(--bg); }
.rate input:focus, .handoff input:focus { border-color: var(--accent); outline: none; box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 18%, transparent); }
.handoff h3 { margin: 0 0 4px; font-size: 15px; }
.handoff p.intro { margin: 0 0 10px; font-size: 13px; color: var(--muted); }
.handoff label.field { display: block; margin: 0 0 8px; font-size: 12.5px; font-weight: 600; color: #344054; }
.handoff label.field input { display: block; width: 100%; margin-top: 3px; font-weight: 400; }
.handoff label.field .opt { font-weight: 400; color: var(--muted); }
.handoff label.consent { display: flex; gap: 8px; align-items: flex-start; margin: 10px 0; font-size: 12.5px; line-height: 1.45; }
.handoff label.consent input { margin-top: 2px; flex: none; width: 16px; height: 16px; accent-color: var(--accent); }
.handoff .problem { margin: 6px 0; font-size: 12.5px; color: #b42318; }
.handoff .actions { display: flex; gap: 8px; margin-top: 6px; }
.confirm-delete .actions { display: flex; gap: 8px; margin-top: 8px; }
.chip.danger { border-color: #f1c8bf; color: #b42318; }
.chip.danger.primary { background: #b42318; color: #fff; border-color: #b42318; }
`;

  const MORE = {
    // -------------------------------------------------------------- the menu (any time)
    _buildMenu() {
      const t = this.t;
      const item = (cls, label, action, fn) => h('button', { class: cls, type: 'button', role: 'menuitem', 'data-action': action,
        onclick: () => { this._closeMenu(); fn(); } }, label);
      this.menuEl = h('div', { class: 'menu', role: 'menu', hidden: true },
        item('handoff-open', t.handoff, 'handoff.open', () => this.openHandoff()),
        item('brief-download', t.downloadPdf, 'brief.download', () => this.downloadBrief()),
        item('conversation-delete danger', t.deleteChat, 'conversation.delete', () => this.askDelete()));
      this.menuBtn = h('button', { class: 'icon-btn menu-btn', type: 'button', 'aria-label': t.menu, title: t.menu,
        'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: () => this._toggleMenu() }, iconMore('menu'));
      this.menuEl.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); this._closeMenu(); this.menuBtn.focus(); } });
      return h('div', { class: 'menu-wrap' }, this.menuBtn, this.menuEl);
    },

    _toggleMenu() {
      const open = this.menuEl.hidden;
      this.menuEl.hidden = !open;
      this.menuBtn.setAttribute('aria-expanded', String(open));
      if (!open) return;
      this.menuEl.querySelector('button').focus();
      const outside = (e) => {
        if (e.composedPath().includes(this.menuEl.parentNode)) return;
        this._closeMenu();
        this._shadow.removeEventListener('pointerdown', outside, true);
      };
      this._shadow.addEventListener('pointerdown', outside, true);
    },

    _closeMenu() {
      if (!this.menuEl || this.menuEl.hidden) return;
      this.menuEl.hidden = true;
      this.menuBtn.setAttribute('aria-expanded', 'false');
    },

    _notice(text) {
      const m = this._addBot('notice-msg');
      m.body.replaceChildren(h('p', { text }));
      this._follow(m.el);
      return m;
    },

    /** Buttons for suggestions that carry one of this section's actions. */
    _actionChip(s) {
      const t = this.t;
      if (s.action === 'handoff.open') return h('button', { class: 'chip handoff-open', type: 'button', onclick: () => this.openHandoff() }, s.label || t.handoff);
      if (s.action === 'brief.download') return h('button', { class: 'chip brief-download', type: 'button', onclick: () => this.downloadBrief() }, s.label || t.downloadPdf);
      return null;
    },

    /** What a finished checklist offers: the brief as PDF and a consultant. */
    _completionChips() {
      const t = this.t;
      return [
        h('button', { class: 'chip primary brief-download', type: 'button', 'data-action': 'brief.download', onclick: () => this.downloadBrief() }, icon('download'), ' ', t.downloadPdf),
        h('button', { class: 'chip handoff-open', type: 'button', 'data-action': 'handoff.open', onclick: () => this.openHandoff() }, t.handoff),
      ];
    },

    // -------------------------------------------------------------- 👍 / 👎 on every answer
    _renderFeedback(m, reply) {
      m.bubble.querySelectorAll('.rate').forEach((el) => el.remove());
      if (!reply || typeof reply.turn !== 'number' || m.el.classList.contains('welcome') || m.el.classList.contains('error')) return;
      const t = this.t;
      m.turn = reply.turn;
      const row = h('div', { class: 'rate', 'data-turn': String(reply.turn) });
      const thumb = (rating, label) => h('button', { class: 'thumb ' + rating, type: 'button', 'aria-label': label, title: label,
        'aria-pressed': m.feedback && m.feedback.rating === rating ? 'true' : 'false',
        onclick: () => this.rate(m, rating) }, iconMore(rating));
      row.append(thumb('up', t.rateUp), thumb('down', t.rateDown));
      if (m.feedback) row.append(h('span', { class: 'rated', role: 'status', text: t.rated }));
      m.bubble.append(row);
      m.rateRow = row;
    },

    async rate(m, rating, comment) {
      if (!this.session || typeof m.turn !== 'number') return;
      const t = this.t;
      try {
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/turns/' + m.turn + '/feedback', {
          method: 'POST', body: comment === undefined ? { rating } : { rating, comment },
        });
        m.feedback = await res.json();
      } catch (err) {
        this._error(err.code === 'network' ? err : new WidgetError('feedback', err.status), null);
        return;
      }
      this._renderFeedback(m, { turn: m.turn });
      if (comment === undefined) this._commentBox(m, rating);
      else m.rateRow.querySelector('.rated').textContent = t.rated;
    },

    _commentBox(m, rating) {
      const t = this.t;
      const input = h('input', { type: 'text', class: 'comment', maxlength: '2000', placeholder: t.comment, 'aria-label': t.comment });
      const form = h('form', { class: 'comment-form', onsubmit: (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (text) this.rate(m, rating, text);
      } }, input, h('button', { class: 'chip', type: 'submit' }, t.commentSend));
      m.rateRow.append(form);
      input.focus();
    },

    // -------------------------------------------------------------- talk to a consultant
    async openHandoff() {
      if (this.busy) return;
      if (!this.isOpen) this.open();
      await this._restoring;
      const t = this.t;
      this.log.querySelectorAll('.msg.handoff').forEach((el) => el.remove());
      let form;
      try {
        const res = await this._call('/v1/handoff/form?language=' + encodeURIComponent(this.lang), { auth: false });
        form = await res.json();
      } catch (err) {
        this._error(err.code === 'network' ? err : new WidgetError('handoff', err.status), () => this.openHandoff());
        return;
      }
      const m = this._addBot('handoff');
      const inputs = {};
      const fields = form.fields.map((f) => {
        inputs[f.name] = h('input', { type: f.type, name: f.name, autocomplete: { name: 'name', email: 'email', company: 'organization', phone: 'tel' }[f.name],
          required: f.required, maxlength: f.name === 'phone' ? '40' : '200' });
        return h('label', { class: 'field' }, f.label, f.required ? null : h('span', { class: 'opt', text: ' (' + form.optional + ')' }), inputs[f.name]);
      });
      const consent = h('input', { type: 'checkbox', name: 'consent' });
      const problem = h('p', { class: 'problem', role: 'alert', hidden: true });
      const submit = h('button', { class: 'chip primary submit', type: 'submit' }, form.submit);
      const el = h('form', { class: 'handoff-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this._sendHandoff(m, form, inputs, consent, problem, submit); } },
        h('h3', { text: form.title }), h('p', { class: 'intro', text: form.intro }), fields,
        h('label', { class: 'consent' }, consent, h('span', { text: form.consent })), problem,
        h('div', { class: 'actions' }, submit, h('button', { class: 'chip cancel', type: 'button', onclick: () => m.el.remove() }, form.cancel)));
      m.body.replaceChildren(el);
      this._follow(m.el);
      inputs.name.focus();
    },

    async _sendHandoff(m, form, inputs, consent, problem, submit) {
      const show = (text) => { problem.textContent = text; problem.hidden = false; problem.scrollIntoView({ block: 'nearest' }); };
      problem.hidden = true;
      if (!consent.checked) { show(form.consent_required); consent.focus(); return; }
      const body = { consent: true, language: this.lang };
      for (const [name, input] of Object.entries(inputs)) body[name] = input.value.trim() || null;
      submit.disabled = true;
      try {
        await this._ensureSession();
        const res = await this._call('/v1/sessions/' + encodeURIComponent(this.session.id) + '/handoff', { method: 'POST', body });
        const done = await res.json();
        m.el.classList.add('sent');
        m.body.replaceChildren(h('p', { class: 'handoff-thanks', role: 'status', text: done.message }));
      } catch (err) {
        submit.disabled = false;
        show(err.status === 422 && err.message ? err.message : err.code === 'network' ? this.t.errNetwork : this.t.errHandoff);
      }
    },

    // -------------------------------------------------------------- delete this conversation
    askDelete() {
      if (!this.isOpen) this.open();
      const t = this.t;
      this.log.querySelectorAll('.msg.confirm-delete').forEach((el) => el.remove());
      if (!this.session) { this._notice(t.nothingYet); return; }
      const m = this._addBot('confirm-delete');
      m.body.replaceChildren(h('p', { text: t.deleteAsk }), h('div', { class: 'actions' },
        h('button', { class: 'chip danger primary delete-yes', type: 'button', onclick: () => this.deleteConversation(m) }, t.deleteYes),
        h('button', { class: 'chip delete-no', type: 'button', onclick: () => m.el.remove() }, t.deleteNo)));
      this._follow(m.el);
      m.body.querySelector('.delete-yes').focus();
    },

    async deleteConversation(m) {
      if (!this.session || this.busy) return;
      try {
        await this._call('/v1/sessions/' + encodeURIComponent(this.session.id), { method: 'DELETE' });
      } catch (err) {
        if (err.status !== 404 && err.status !== 401) { // already gone: nothing left to delete
          this._error(err.code === 'network' ? err : new WidgetError('delete', err.status), null);
          return;
        }
      }
      if (m) m.el.remove();
      this._saveSession(null);
      this._setChecklist(null);
      this.log.replaceChildren();
      this._welcome(true);
      this._notice(this.t.deleted).el.classList.add('deleted');
      this.input.focus();
    },
  };
  Object.assign(NordicAssistant.prototype, MORE);

  if (!customElements.get(TAG)) customElements.define(TAG, NordicAssistant);

  function mount() {
    if (document.querySelector(TAG)) return; // placed by hand, or the script is on the page twice
    const el = document.createElement(TAG);
    const d = SCRIPT ? SCRIPT.dataset : {};
    let api = d.api;
    if (api == null) {
      try { api = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : ''; } catch (_) { api = ''; }
    }
    el.dataset.api = api;
    for (const key of ['lang', 'accent', 'position', 'title', 'open']) if (d[key] != null) el.dataset[key] = d[key];
    (document.body || document.documentElement).appendChild(el);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount, { once: true });
  else mount();
})();
