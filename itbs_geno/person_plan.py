"""The plan steps that come from the person, not the genes: a previous injury and the load of the
last 30 days. They lead the plan, because these predict a running injury far better than any of
the panel's genotypes. Pure functions: no I/O, no HTML."""

from itbs_geno.model import Injury, PlanItem, PlanStep, Profile
from itbs_geno.panel_model import Panel

SPIKE = 0.10          # Frandsen 2025: one run more than 10 % longer than the longest of the last 30 days
HIP_PRINCIPLE = "The knee hurts, but look at the hip"    # guidance.toml: the strength step's source


def profile_steps(profile: Profile | None, panel: Panel) -> tuple[PlanStep, ...]:
    if profile is None:
        return ()
    steps = []
    if profile.injuries:
        steps.append(_history_step(profile, panel))
    if profile.longest_run_km is not None or profile.injuries:
        steps.append(_load_step(profile))
    return tuple(steps)


def long_run_cap(longest_km: float) -> float:
    """The longest single run that stays within the 10 % rule: 18 km -> 19.8 km."""
    return round(longest_km * (1 + SPIKE), 1)


def _history_step(profile: Profile, panel: Panel) -> PlanStep:
    itbs = [i for i in profile.injuries if i.kind == "itbs"]
    others = [i for i in profile.injuries if i.kind != "itbs"]
    had = "; ".join(_injury_words(i) for i in itbs + others)
    hip = next((p for p in panel.guidance.principles if p.title == HIP_PRINCIPLE), None)
    strength = PlanItem(
        "Two or three short hip-strength sessions a week (side-lying leg raises, side planks, single-leg "
        "step-downs in front of a mirror), kept up after the pain has gone: hip weakness is the factor "
        "most often found in runners with ITBS." if itbs else
        "Keep up the strength and rehabilitation work you were given for that injury: a previous injury "
        "is a reason to keep doing it, not to stop once the pain is gone.",
        hip.evidence if hip and itbs else "practice", hip.citations if hip and itbs else ())
    return PlanStep(
        "history", f"You have had {'ITBS' if itbs else 'a running injury'} before: load and strength first",
        f"Your profile lists: {had}. Having had an injury is the best-supported predictor of the next "
        f"running injury (strong evidence across 15 cohort studies in a 2015 systematic review), far "
        f"stronger than any gene in this report. So the first steps are about load and strength.",
        "This week, and for as long as you run", without=(strength,), evidence="replicated",
        citations=("vanderworp2015",), band="this-week")


def _load_step(profile: Profile) -> PlanStep:
    longest = profile.longest_run_km
    weekly = (f" Your weekly distance ({profile.weekly_km:g} km) was not what predicted injury in that study: "
              f"the single long run was." if profile.weekly_km is not None else "")
    evidence = ("In 5,200 runners followed for 18 months (Frandsen 2025), a single run more than 10 % longer "
                "than the longest run of the previous 30 days raised the rate of running injuries, and bigger "
                "jumps raised it more; gradual changes in weekly distance did not.")
    if longest is None:
        return PlanStep(
            "load", "Keep every run within 10 % of your longest of the last 30 days",
            f"{evidence}{weekly} Add your longest run of the last 30 days to the profile (longest_run_km) "
            f"and this step gives you the number.", "This week, and every week", evidence="single",
            citations=("frandsen2025",), band="this-week")
    cap = long_run_cap(longest)
    return PlanStep(
        "load", f"Keep your long run under {cap:g} km this month",
        f"Your longest run of the last 30 days was {longest:g} km; 10 % more is {cap:g} km. {evidence}{weekly} "
        f"Once a run of {cap:g} km is among your last 30 days, the cap moves up with it.",
        "This week, and every week", evidence="single", citations=("frandsen2025",), band="this-week")


def _injury_words(injury: Injury) -> str:
    name = "ITBS" if injury.kind == "itbs" else injury.kind
    side = f", {injury.side}" if injury.side else ""
    when = f", {injury.date.isoformat()}" if injury.date else ""
    return f"{name}{side}{when}"
