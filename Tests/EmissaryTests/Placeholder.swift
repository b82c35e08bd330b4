// EmissaryTests
