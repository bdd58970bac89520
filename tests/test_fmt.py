"""Number formats the report's prose and figures use."""

from hw7.present import fmt


def test_learning_rate_formats():
    assert [fmt.lr_short(v) for v in (1e-4, 3e-3, 2.5e-2, 1.0)] == ["1e-4", "3e-3", "2.5e-2", "1e0"]
    assert [fmt.lr(v) for v in (1e-4, 3e-3, 3.0)] == ["10⁻⁴", "3.0 × 10⁻³", "3"]


def test_scientific_and_steps():
    assert fmt.sci(0.012663) == "1.3 × 10⁻²"
    assert fmt.sci(float("nan")) == "not finite"
    assert fmt.steps(55018) == "55,018" and fmt.steps(-1) == "never"


def test_signed_change_never_prints_a_negative_zero():
    assert [fmt.signed(v) for v in (0.26, -0.25, -0.004, 0.004, -0.0, 0.0)] == ["+0.26", "-0.25", "0.00", "0.00", "0.00", "0.00"]
    assert fmt.signed(-0.04, 1) == "0.0" and fmt.signed(-0.05001, 1) == "-0.1"


def test_millions_rounds_a_count_to_two_decimals():
    assert fmt.millions(1_290_510) == f"1.29{fmt.NBSP}million"
    assert fmt.millions(11_972_510) == f"11.97{fmt.NBSP}million"


def test_powers_as_math_for_tables_and_prose_beside_typeset_powers():
    assert fmt.sci_tex(0.012663) == r"$1.3 \times 10^{-2}$"
    assert fmt.sci_tex(1e-4) == "$10^{-4}$" and fmt.sci_tex(0.0) == "0"
    assert [fmt.lr_tex(v) for v in (1e-4, 3e-3)] == ["$10^{-4}$", r"$3.0 \times 10^{-3}$"]
    assert fmt.msci(0.012663).data == r"$1.3 \times 10^{-2}$"  # Markdown: Quarto keeps its $ as math
