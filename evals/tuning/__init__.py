"""Scripts that chose the retrieval parameters on the dev split (never the test split).

They print the figures the choices rest on, so a change to the corpus, the
notes or the glossary can be re-tuned the same way:

    .venv/bin/python -m evals.tuning.fusion      # fusion weights: a plateau, with the notes ablation
    .venv/bin/python -m evals.tuning.coverage    # the coverage model, cross-validated
"""
