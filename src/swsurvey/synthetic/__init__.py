"""A seeded synthetic stand-in for the #socialwork raw Qualtrics SPSS exports: 2017, 2021, any wave.

The study's microdata are confidential, so the pipeline's default run reads a SYNTHETIC
wave written here. It follows the instrument (``workflow/instruments/socialwork_2017.yaml``)
to the letter: every variable in order with its label, value labels, ``-99`` declared
user-missing on every coded question, system-missing for questions not shown, unticked
checkboxes missing, and fake but realistic personal data in the pii fields.

Any instrument and wave id
    The design (:func:`~swsurvey.synthetic.waves.design_of`) is the instrument's wave's: 2017
    (calibrated to the published figures) or the invented 2021 follow-up
    (``workflow/instruments/socialwork_2021.yaml``, seed 20210601), which draws its people with
    the same machinery and shifted settings, in the 2017 variable names, plus its new items, and
    then lays the columns out under the revised questionnaire's numbers. An instrument of
    another wave that ``revises:`` one takes that wave's design (a chain of revisions too), each
    question the column of its ``was:``, its code frame mapped by label; without ``revises:``,
    the nearest stored design by year. A question the generator cannot trace is drawn from its
    instrument entry (:mod:`~swsurvey.synthetic.new_items`). A design used for another wave is
    moved to it (dates, population, notes), and the file is labelled as the wave it stands in
    for (``tests/new_wave/socialwork_2024.yaml``, the invented 2024 revision, is the example).

The modules, from the entry points down (nothing here is re-exported: import a name from the
module that defines it):

- :mod:`~swsurvey.synthetic.generate`: ``generate_wave`` and ``write_wave``, the entry points;
- :mod:`~swsurvey.synthetic.waves`: each instrument's and wave's design, and the seed of each stored wave;
- :mod:`~swsurvey.synthetic.design`: what differs between waves, and the 2017 wave's settings;
- :mod:`~swsurvey.synthetic.follow_up`: the 2021 follow-up's revisions and new items;
- :mod:`~swsurvey.synthetic.new_items`: a revised questionnaire's changed code frames and new
  questions, drawn;
- :mod:`~swsurvey.synthetic.population`: the generator's population, as raking margins;
- :mod:`~swsurvey.synthetic.sample`: what a row is (its kind), screen-outs, break-offs, re-exports;
- :mod:`~swsurvey.synthetic.questionnaire`: the instrument's variables, pages and skip logic
  as the generator fills them;
- :mod:`~swsurvey.synthetic.answers`: every row's answers, drawn section by section by
  :mod:`~swsurvey.synthetic.demographics`, :mod:`~swsurvey.synthetic.ict_use`,
  :mod:`~swsurvey.synthetic.boundaries`, :mod:`~swsurvey.synthetic.policy` and
  :mod:`~swsurvey.synthetic.free_text`, for the respondents of :mod:`~swsurvey.synthetic.people`;
- :mod:`~swsurvey.synthetic.calibration`: the published figures and the cuts that hit them;
- :mod:`~swsurvey.synthetic.metadata`: Qualtrics' metadata columns;
- :mod:`~swsurvey.synthetic.personal`: fake names, e-mail addresses and phone numbers;
- :mod:`~swsurvey.synthetic.sav`: labels, formats, file label and notes, the pinned header;
- :mod:`~swsurvey.synthetic.draws` and :mod:`~swsurvey.synthetic.scalar_draws`: exact draws,
  and numpy's scalar draws replayed fast.
"""
