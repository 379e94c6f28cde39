"""Distribution: the roster, personalised forms and the e-mail that carries them.

- :mod:`.roster` (and :mod:`.roster_files`, :mod:`.email_address`): who gets which form;
- :mod:`.personalize`: each applicant's pre-filled PDF, and the run that writes them;
- :mod:`.mail`, :mod:`.mail_config`: the message to each applicant, and its settings;
- :mod:`.smtp_send`, :mod:`.send_log`: sending, rate-limited and resumable.

May import: :mod:`generator.writers`, :mod:`generator.layout`, :mod:`generator.model`
and the shared modules at the top of :mod:`generator`.  Never a reader, a report or a command.
"""
