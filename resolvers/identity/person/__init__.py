"""Person evidence: what records say about the person (names, birth date, gender, address),
normalised, compared field by field and weighed in the Fellegi–Sunter sense."""

from resolvers.identity.person.blocking import blocking_keys
from resolvers.identity.person.compare import FIELDS, Level, compare
from resolvers.identity.person.record import PersonRecord, person_record
from resolvers.identity.person.scoring import FieldScore, MatchScore, score, screen
from resolvers.identity.person.settings import FieldWeights, MatchRule

__all__ = [
    "FIELDS",
    "FieldScore",
    "FieldWeights",
    "Level",
    "MatchRule",
    "MatchScore",
    "PersonRecord",
    "blocking_keys",
    "compare",
    "person_record",
    "score",
    "screen",
]
