"""Tools that build and check the book, not called by its chapters: the nbclient ``preview``, ``render_check``
(``make render-check``), ``freeze_guard`` and ``offline_html`` (Quarto's pre- and post-render scripts)."""
