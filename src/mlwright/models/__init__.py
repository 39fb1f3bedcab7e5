"""Model families as data: each module declares one family; ``registry`` lists them."""
