"""HH financing model 2023: populatiebekostiging per area with ventiel, malus and profit skim; koppels;
herstelgerichte hulp."""
