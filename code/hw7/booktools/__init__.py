"""Tools that build and check the book, not called by its chapters: the nbclient ``preview``, ``render_check``
(``make render-check``) and its headless-browser ``browser_check``, ``freeze_guard``, ``book_file`` and
``offline_html`` (Quarto's pre- and post-render scripts)."""
