"""Composing replies: the catalog's sentences (`assistant.i18n`, messages.yaml)
filled with what the engine worked out, as `Reply` objects.

The engine decides (routes the message, fills a tool's slots, runs the tool or
moves the checklist on, stores the turn); these modules only say it, in the
user's language:

- `suggestions`: the buttons most replies carry;
- `answers`: answers from the articles, declined questions, greetings;
- `tools`: slot questions, clarifications, computed staffing plans and cost comparisons;
- `checklist`: checklist steps, status, the brief, the reminder after a free question.

Nothing here changes the session's state.
"""
