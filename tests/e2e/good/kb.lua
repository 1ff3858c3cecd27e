title = "Fixture"
