"""Person evidence: what records say about the person (names, birth date, gender, address),
normalised, compared field by field and weighed in the Fellegi–Sunter sense."""

from resolvers.person.blocking import blocking_keys
from resolvers.person.compare import FIELDS, Level, compare
from resolvers.person.record import PersonRecord, person_record
from resolvers.person.scoring import FieldScore, MatchScore, score
from resolvers.person.settings import FieldWeights, MatchRule

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
]
