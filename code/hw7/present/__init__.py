"""How a chapter states a result: the book's statistics (``stats``), number formats (``fmt``) and one visual
language for figures (``plots``). Build tools (preview, render check, freeze guard) live in :mod:`hw7.booktools`."""
