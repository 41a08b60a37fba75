"""What the three apps share on screen: links between them and the house style."""
