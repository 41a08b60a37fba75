"""A Markdown badge for model cards: stars and energy, linked to the exact leaderboard result.

The badge image is a shields.io static badge (no server of ours needed). A self-reported label's
badge says so, in grey, and links to the leaderboard rather than to a result.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from label_generator.data import LabelData
from label_generator.render import label_gpu, not_rated
from shared.method.hardware import not_rated_text

SHIELDS = "https://img.shields.io/badge"
BADGE_LABEL = "AI Energy Score"
VERIFIED_COLOR = "3ea45a"
SELF_REPORTED_COLOR = "lightgrey"


def _shields_part(text: str) -> str:
    """A path part of a shields.io static badge: '-' and '_' doubled, then percent-encoded."""
    return quote(text.replace("-", "--").replace("_", "__"), safe="")


def badge_message(data: LabelData) -> str:
    """'★★★☆☆ 2.37 Wh per 1k queries', plus what qualifies it: '(self-reported)' when it matches no
    published result, '(published figure)' for an imported figure, '(random weights)' for a replica."""
    if not_rated(data):  # another GPU than the H100: no stars at all, never five empty ones
        rating = not_rated_text(label_gpu(data))
    else:
        rating = "★" * data.stars + "☆" * (5 - data.stars)
    message = f"{rating} {data.energy_text} per 1k queries"
    if not data.linked:
        return f"{message} (self-reported)"
    marks = (["published figure"] if data.provenance else []) + (["random weights"] if data.random_weights else [])
    return f"{message} ({', '.join(marks)})" if marks else message


def badge_image_url(data: LabelData) -> str:
    """The shields.io URL of the badge image."""
    color = VERIFIED_COLOR if data.linked else SELF_REPORTED_COLOR
    return f"{SHIELDS}/{_shields_part(BADGE_LABEL)}-{_shields_part(badge_message(data))}-{color}"


def badge_markdown(data: LabelData) -> str:
    """The Markdown snippet: the badge image, linked to the result (or the leaderboard)."""
    alt = f"{BADGE_LABEL}: {badge_message(data)} ({data.task})".replace("[", "(").replace("]", ")")
    image = f"![{alt}]({badge_image_url(data)})"
    link = data.link if data.linked else data.leaderboard_link
    return f"[{image}]({link})" if data.linked or urlsplit(link).netloc else image
