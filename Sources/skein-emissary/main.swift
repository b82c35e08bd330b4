import Glibc
print("emissary")
