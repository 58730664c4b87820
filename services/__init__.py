"""The three HTTP microservices: users, orders, notifications."""
