"""Distribution: the roster, personalised forms and the e-mail that carries them.

- :mod:`.roster` (and :mod:`.roster_files`, :mod:`.roster_xlsx`, :mod:`.email_address`): who gets which form;
- :mod:`.plain_text`: what roster text may hold, and how it is quoted back safely;
- :mod:`.personalize`: each applicant's pre-filled PDF, and the run that writes them;
- :mod:`.mail`, :mod:`.mail_headers`, :mod:`.mail_config`: the message to each applicant, and its settings;
- :mod:`.mailing`: the mail run, writing ``.eml`` files or sending;
- :mod:`.smtp_settings`, :mod:`.smtp_send`, :mod:`.send_log`: sending, rate-limited, resumable,
  locked against a second run.

May import: :mod:`generator.writers`, :mod:`generator.layout`, :mod:`generator.model`
and the shared modules at the top of :mod:`generator`.  Never a reader, a report or a command.
"""
