"""One module per drug of the plan: its calculator (``calculate_*``) and its order check (``check_*order``).

Drug modules only ever see a canonical :class:`dosing.order.Order` and
:class:`dosing.patient.Patient`, read once by the input layer (``dosing.input``);
they never parse a dose string or a frequency themselves. To add a drug, add a
module here and register its order check in ``dosing.api``.
"""
