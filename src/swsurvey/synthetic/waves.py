"""The waves the generator writes: each wave's design, and the seed of each stored wave.

The instrument's ``wave`` picks the design (:func:`design_of`): 2017
(:data:`~swsurvey.synthetic.design.DESIGN_2017`, calibrated to the published figures) or the
invented 2021 follow-up (:data:`~swsurvey.synthetic.follow_up.DESIGN_2021`).
"""

from __future__ import annotations

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument
from swsurvey.synthetic.design import DESIGN_2017, Design
from swsurvey.synthetic.follow_up import DESIGN_2021

#: Seed of the stored default wave (``data/synthetic/socialwork_2017.sav``): the 2017 launch month.
DEFAULT_SEED = 20170601
#: Seed of the stored 2021 follow-up (``data/synthetic/socialwork_2021.sav``): its launch month.
FOLLOW_UP_SEED = 20210601
#: The seed of each stored wave.
SEEDS = {"2017": DEFAULT_SEED, "2021": FOLLOW_UP_SEED}

_DESIGNS = {"2017": DESIGN_2017, "2021": DESIGN_2021}


def design_of(instrument: Instrument) -> Design:
    """The design of the instrument's wave; a wave the generator has none for is refused."""
    try:
        return _DESIGNS[instrument.wave]
    except KeyError:
        raise InputError(
            f"the synthetic generator has no design for wave {instrument.wave!r} "
            f"(it writes waves {', '.join(_DESIGNS)})",
            file=instrument.path,
        ) from None
