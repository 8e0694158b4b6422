"""Forms of accounts, one module per feature: book (an account, its status, its tier override), filters (the
book's filter form, which the list, the CSV export and the API share), contacts, configuration (tiers, the
economics policy, custom fields), planning (the capacity planner) and imports. Import them from their module."""
