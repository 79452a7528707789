from tests.scorecard.test_scorecard import year_of_data

__all__ = ["year_of_data"]
