"""What visitors asked that the sources don't cover, and where they got stuck:
the report behind `assistant insights` and `GET /v1/admin/insights`.

    report = build_insights(store, retriever, since=timedelta(days=30))

It reads the conversation store (turns, their stored Replies, feedback and the
checklist state) and groups the declined or partly covered questions by topic
(`cluster`) and by language.
"""

from assistant.insights.report import InsightsReport, build_insights, parse_since

__all__ = ["InsightsReport", "build_insights", "parse_since"]
